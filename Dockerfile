# One image for every service; the command picks the service:
#   python -m dui_gateway     REST gateway (uvicorn on DUI_GATEWAY_HOST:DUI_GATEWAY_PORT, 8000)
#   python -m dui_admission   admission command handlers and its projections
#   python -m dui_dossier     the dossier usager (and its reactions, scheduler)
#   python -m dui_soins       transmissions, prescriptions, care plan, acts
#   python -m dui_agenda      agendas, realisation, information
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DUI_GATEWAY_HOST=0.0.0.0 \
    DUI_GATEWAY_PORT=8000

WORKDIR /app

RUN groupadd --system --gid 10001 dui \
    && useradd --system --uid 10001 --gid dui --home-dir /app --no-create-home --shell /usr/sbin/nologin dui

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml ./
COPY shared/ shared/
COPY services/ services/
COPY config/ config/
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

USER 10001:10001
EXPOSE 8000

CMD ["python", "-m", "dui_gateway"]
