# asr-emulator: the emulator on its embedded defaults, listening on 0.0.0.0:8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASR_EMULATOR_HOST=0.0.0.0 \
    ASR_EMULATOR_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY fixtures ./fixtures
# Installed the same way the Makefile installs it: pip, from the project directory.
RUN python -m pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 emulator

USER emulator
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/_emulator/health', timeout=2).status != 200)"]
CMD ["asr-emulator", "serve"]
