"""PAI-EAS services: the table of services the gateway answers for (name, model, token, queue or not), as the
settings and the environment give them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.vendors.eas import catalogue as cat


@dataclass(frozen=True)
class Service:
    name: str
    model: cat.Model
    token: str | None = None          # None: any token in permissive mode, none in strict mode
    is_async: bool = False            # a queue service in front of the model

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model.id, "token": self.token, "async": self.is_async}


def parse_service(entry: str, default_token: str | None = None) -> Service:
    """``name=model[:token[:async]]`` (environment and command line)."""
    name, sep, rest = entry.partition("=")
    model_id, _, tail = rest.partition(":")
    token, _, flag = tail.partition(":")
    if not sep or not valid_name(name) or model_id not in cat.MODELS or flag not in ("", "async", "sync"):
        raise ValueError(f"eas service {entry!r} is not 'name=model[:token[:async]]' with a model among "
                         f"{', '.join(cat.MODELS)}")
    return Service(name, cat.MODELS[model_id], token or default_token, flag == "async")


def service_from_json(name: str, value: Any) -> Service:
    if not valid_name(name):
        raise ValueError(f"{name!r} is not a service name (lower-case letters, digits, '_', '.', '-')")
    if not isinstance(value, dict) or value.get("model") not in cat.MODELS:
        raise ValueError(f"service {name!r} needs a 'model' among {', '.join(cat.MODELS)}")
    token = value.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        raise ValueError(f"service {name!r}: 'token' is a non-empty string or null")
    return Service(name, cat.MODELS[value["model"]], token, bool(value.get("async", False)))


def valid_name(name: str) -> bool:
    return 0 < len(name) <= 128 and set(name) <= cat.SERVICE_NAME_CHARS and name[0].isalnum()


def default_services(token: str) -> dict[str, Service]:
    out = {}
    for model in cat.MODELS.values():
        out[model.default_service] = Service(model.default_service, model, token)
        name = model.default_service + cat.ASYNC_SUFFIX
        out[name] = Service(name, model, token, is_async=True)
    return out


__all__ = ["Service", "default_services", "parse_service", "service_from_json", "valid_name"]
