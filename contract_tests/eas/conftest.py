"""eas-prediction as a user configures it: ``PredictClient('<host>:<port>', '<service>')`` and ``set_token``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eas_prediction import PredictClient, QueueClient, StringRequest

from emulator.testing import ControlClient

TOKEN = "asr-emulator-eas-token"
Predict = Callable[..., bytes]


def endpoint(emulator: ControlClient) -> str:
    return emulator.url.split("//", 1)[1]


@pytest.fixture
def make_client(emulator: ControlClient) -> Iterator[Callable[..., PredictClient]]:
    clients: list[PredictClient] = []

    def make(service: str, token: str | None = TOKEN, custom_url: str = "",
             content_type: str | None = None) -> PredictClient:
        client = PredictClient(endpoint(emulator), service, custom_url)
        if token is not None:
            client.set_token(token)
        if content_type:
            client.set_content_type(content_type)
        client.init()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.destroy()


@pytest.fixture
def predict(make_client: Callable[..., PredictClient]) -> Predict:
    """``predict(service, url, play_duration=None)``: the response body's bytes."""

    def call(service: str, url: str, play_duration: Any = None, **options: Any) -> bytes:
        body: dict[str, Any] = {"url": url}
        if play_duration is not None:
            body["play_duration"] = play_duration
        response = make_client(service, **options).predict(StringRequest(json.dumps({"input": body})))
        data: bytes = response.response_data
        return data

    return call


@pytest.fixture
def make_queue(emulator: ControlClient) -> Iterator[Callable[..., QueueClient]]:
    clients: list[QueueClient] = []

    def make(service: str, sink: bool = False, token: str = TOKEN) -> QueueClient:
        client = QueueClient(endpoint(emulator), f"{service}/sink" if sink else service)
        client.set_token(token)
        client.init()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.destroy()
