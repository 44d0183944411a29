# One image for every service; the command picks the service:
#   python -m dui_gateway     REST gateway (uvicorn on DUI_GATEWAY_HOST:DUI_GATEWAY_PORT, 8000)
#   python -m dui_admission   admission command handlers and its projections
#   python -m dui_dossier     the dossier usager (and its reactions, scheduler)
#   python -m dui_soins       transmissions, prescriptions, care plan, acts
#   python -m dui_agenda      agendas, realisation, information
#   python -m dui_habilitations  habilitation matrix, accounts' ESMS, emergency accesses, access journal
#   python -m dui_oidc serve  local OpenID Connect provider (docker compose only; production uses Pro Santé Connect
#                             and/or the OG's identity provider)
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DUI_GATEWAY_HOST=0.0.0.0 \
    DUI_GATEWAY_PORT=8000

WORKDIR /app

RUN groupadd --system --gid 10001 dui \
    && useradd --system --uid 10001 --gid dui --home-dir /app --no-create-home --shell /usr/sbin/nologin dui \
    && install -d -o dui -g dui -m 0700 /app/data /app/data/oidc
# /app/data is DUI_DATA_DIR's default (./data from WORKDIR); the local OIDC provider keeps its private keys in
# /app/data/oidc. Created here, owned by the runtime user, so that an empty named volume mounted on it (compose)
# starts with that owner and mode instead of root's.

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
