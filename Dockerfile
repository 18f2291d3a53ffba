# Build a wheel in one stage, install it in a slim runtime stage as a fixed non-root user.
FROM python:3.12-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sms_balance_exporter ./sms_balance_exporter
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SMS_BALANCE_EXPORTER_CONFIG_FILE=/etc/sms-balance-exporter/config.yml
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --system --gid 10077 exporter \
    && useradd --system --uid 10077 --gid exporter --no-create-home \
       --shell /usr/sbin/nologin exporter
USER 10077:10077
EXPOSE 10077
# /-/healthy never calls a provider; /metrics would, on every check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:10077/-/healthy', timeout=4)"]
ENTRYPOINT ["sms-balance-exporter"]
CMD ["serve"]
