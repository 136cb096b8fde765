"""The Pydantic models of the trip plan the provider transcripts carry."""

from __future__ import annotations

from pydantic import BaseModel


class Stop(BaseModel):
    name: str
    minutes: int
    cost_eur: float
    tags: list[str]


class Day(BaseModel):
    day: int
    theme: str
    stops: list[Stop]


class TripPlan(BaseModel):
    title: str
    summary: str
    days: list[Day]


class GetWeather(BaseModel):
    city: str
    unit: str
    days: int
