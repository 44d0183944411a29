"""Settings from environment variables, the same names in every run mode (make run, compose, k8s)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """`NATS_URL` / `DATABASE_URL` name external servers; `make run` fills them with its embedded ones."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field("nats://127.0.0.1:4222", alias="NATS_URL")
    database_url: str = Field("postgresql://postgres@127.0.0.1:5432/postgres", alias="DATABASE_URL")
    data_dir: Path = Field(Path("data"), alias="DUI_DATA_DIR")
    og_file: Path | None = Field(None, alias="DUI_OG_FILE")
    log_level: str = Field("INFO", alias="DUI_LOG_LEVEL")
    otel_exporter: str = Field("none", alias="DUI_OTEL_EXPORTER")
    stream_replicas: int = Field(1, alias="DUI_STREAM_REPLICAS")
    rpc_timeout: float = Field(10.0, alias="DUI_RPC_TIMEOUT")
    gateway_host: str = Field("127.0.0.1", alias="DUI_GATEWAY_HOST")
    gateway_port: int = Field(8000, alias="DUI_GATEWAY_PORT")
    environment: str = Field("development", alias="DUI_ENVIRONMENT")
    # dossier service
    insi_fixture: Path | None = Field(None, alias="DUI_INSI_SIMULATEUR")
    prestation_alerte_jours: int = Field(60, ge=0, le=365, alias="DUI_PRESTATION_ALERTE_JOURS")
    echeancier_intervalle: float = Field(30.0, gt=0, alias="DUI_ECHEANCIER_INTERVALLE")
    conservation_annees: int = Field(20, ge=1, le=100, alias="DUI_CONSERVATION_ANNEES")
    conservation_deces_annees: int = Field(10, ge=1, le=100, alias="DUI_CONSERVATION_DECES_ANNEES")
    # authentication (OIDC bearer tokens) and the local provider used by `make run` and the tests
    oidc_issuer: str = Field("http://127.0.0.1:8090", alias="DUI_OIDC_ISSUER")
    oidc_audience: str = Field("dui-gateway", alias="DUI_OIDC_AUDIENCE")
    oidc_leeway: float = Field(30.0, ge=0, le=300, alias="DUI_OIDC_TOLERANCE_S")
    oidc_jwks_refresh_min: float = Field(10.0, ge=0, alias="DUI_OIDC_JWKS_INTERVALLE_MIN_S")
    oidc_port: int = Field(8090, alias="DUI_OIDC_PORT")
    oidc_accounts: Path | None = Field(None, alias="DUI_OIDC_COMPTES")
    professions_file: Path | None = Field(None, alias="DUI_PROFESSIONS")
    # habilitations
    habilitations_defaut: Path | None = Field(None, alias="DUI_HABILITATIONS_DEFAUT")
    acces_urgence_heures: float = Field(4.0, gt=0, le=72, alias="DUI_ACCES_URGENCE_HEURES")
    # abuse resistance at the gateway
    cors_origins: list[str] = Field(default_factory=list, alias="DUI_CORS_ORIGINES")
    rate_limit: str = Field("1200/minute", alias="DUI_LIMITE_REQUETES")
    oidc_claim_esms: str | None = Field(None, alias="DUI_OIDC_CLAIM_ESMS")
