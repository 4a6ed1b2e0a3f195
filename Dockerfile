# syntax=docker/dockerfile:1
#
# The application image: one image for the web app (gunicorn), the Celery worker, the Celery beat
# scheduler and the one-shot `init` job (see docker-compose.yml, which picks the command).
#
#   docker build -t jilin-techtransfer .
#
# The source tree lives in /app and is installed in editable mode, so /app/indexer keeps its sibling
# /app/mappings (indexer.catalog reads <repo root>/mappings at run time).

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:22-slim

# ---- deps: the third-party dependencies in a virtualenv ------------------------------------------
# Only pyproject.toml is copied, so this layer is rebuilt only when the dependency list changes.
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; deps = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# ---- assets: the chart library the statistics pages use, from npm (package-lock.json) -------------
# Served by the app itself (/vendor/echarts.min.js; no CDN). Only the production dependencies:
# axe-core is a browser-test tool.
FROM ${NODE_IMAGE} AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---- runtime ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint (the annual list's PDF) lays text out with Pango and embeds a CJK font from
# fontconfig: without fonts-noto-cjk every Chinese character would print as a box; fontconfig
# builds the font cache at install time (the app user could not write one, and every process
# would scan the fonts again). The same list as scripts/dev's DEBIAN_PACKAGES_APP.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

# Unprivileged user. The source stays root-owned (read-only for the app); the only writable places
# are the Flask instance folder and /var/lib/techtransfer (Celery beat's schedule file, a volume).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
 && mkdir -p /var/lib/techtransfer \
 && chown app:app /var/lib/techtransfer

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
COPY . /app
COPY --from=assets /assets/node_modules/echarts/package.json /assets/node_modules/echarts/LICENSE /app/node_modules/echarts/
COPY --from=assets /assets/node_modules/echarts/dist/echarts.min.js /app/node_modules/echarts/dist/
# --no-deps: everything else is already in the venv. Editable, so the packages are imported from
# /app and find /app/mappings next to them.
RUN pip install --no-cache-dir --no-deps -e /app \
 && mkdir -p /app/instance \
 && chown app:app /app/instance \
 && python -c "import indexer.catalog as c; assert c.DEFAULT_MAPPINGS_DIR.is_dir(), c.DEFAULT_MAPPINGS_DIR"

# matplotlib (the yearly report's charts) keeps its font cache here: built once, now, for the app
# user, instead of in every new process (the app user's home is read-only)
ENV MPLCONFIGDIR=/opt/matplotlib
RUN mkdir -p /opt/matplotlib \
 && python -c "import matplotlib.font_manager" \
 && chown -R app:app /opt/matplotlib

USER app
EXPOSE 8000

# Fits the default (web) command. docker-compose.yml sets its own healthcheck on every service:
# it replaces this one for the worker and scheduler, and disables it for the one-shot init job.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-", "web:create_app()"]
