"""Web forms (Flask-WTF): fields, their limits and their CSRF token. Labels are lazy message
ids, so a form speaks the reader's language."""
