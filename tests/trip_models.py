"""The Pydantic models of the trip plan the provider transcripts carry."""

from __future__ import annotations

from pydantic import BaseModel

# The demo's schema of a day and a stop; the transcripts' TripPlan is the demo's without its
# last three fields (which the transcripts carry, and pydantic ignores).
from deltajson._demo import Day, Stop

__all__ = ["Day", "GetWeather", "Stop", "TripPlan"]


class TripPlan(BaseModel):
    title: str
    summary: str
    days: list[Day]


class GetWeather(BaseModel):
    city: str
    unit: str
    days: int
