// Before the first paint (loaded in <head>, not deferred): with scripts on, phones collapse the
// menu and the filters behind buttons (site.css keys on <html class="js">). A file of its own
// because the Content-Security-Policy allows no inline script.
document.documentElement.classList.add("js");
