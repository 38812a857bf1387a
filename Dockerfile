# asr-emulator: the emulator on its embedded defaults, listening on 0.0.0.0:8000.
#
# Pin the base image by digest for reproducible builds:
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest> -t asr-emulator .
# (`docker buildx imagetools inspect python:3.11-slim` prints the current digest.)
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASR_EMULATOR_HOST=0.0.0.0 \
    ASR_EMULATOR_PORT=8000

# espeak-ng, so that `asr-emulator make-audio` speaks inside the container
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The dependencies in a layer of their own, read from pyproject.toml alone: a change to the code does not
# reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && python -m pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md ./
COPY emulator ./emulator
COPY fixtures ./fixtures
RUN python -m pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 10001 emulator

USER emulator
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/_emulator/health', timeout=2).status != 200)"]
CMD ["asr-emulator", "serve"]
