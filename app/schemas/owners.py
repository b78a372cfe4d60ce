"""Owners: who you are to the server, what you store, names and share keys of networks."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, WithJsonSchema

from .base import Request, Response


class Usage(Response):
    networks: int = Field(description="networks kept")
    datasets: int = Field(description="uploaded datasets kept")
    bytes: int = Field(description="what they take in the store")


class Quotas(Response):
    networks: int = Field(description="the most networks one owner keeps (max_owner_networks)")
    datasets: int = Field(description="the most uploads one owner keeps (max_owner_datasets)")
    bytes: int = Field(description="the most bytes one owner's networks and uploads take (max_owner_bytes)")
    expire_idle_seconds: int = Field(description="networks unchanged this long are deleted; 0: never")


class OwnerOut(Response):
    owner: str = Field(description='your owner id ("" when anonymous: no cookie, no X-Owner-Key)')
    teacher: bool = Field(description="you hold the teacher token: you see and may delete everything")
    usage: Usage = Field(description="what you keep (the teacher: what the whole store keeps)")
    quotas: Quotas | None = Field(
        description="your quotas (none for the teacher, or a script without identity on a local server)"
    )


# One line of plain text: no control character (Unicode's Cc: U+0000–U+001F, U+007F–U+009F).
# The service refuses one with a sentence of its own; the schema says it for clients.
PlainLine = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[^\x00-\x1f\x7f-\x9f]*$"})]


class NameIn(Request):
    name: PlainLine | None = Field(
        description="shown in the list of your networks: one line of text, at most max_name_length "
        "characters, no control characters; "
        "null or empty removes it"
    )

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "xor, tanh, η 0.5"}, {"name": None}]})


class NameOut(Response):
    id: str
    name: str | None


class ShareOut(Response):
    share: str = Field(description="the key that lets another owner view (not change) the network")
    link: str = Field(description="the page's address of the network with its share key")
    yours: bool = Field(
        description="you may change it (it is yours or the anonymous owner's, or you are the teacher)"
    )
