"""Owners' accounts: who the requester is and what they keep, names and share keys."""

from __future__ import annotations

import unicodedata

from .. import owners
from ..errors import InvalidInput, NotFound
from .core import Core


class Accounts(Core):
    def whoami(self) -> dict:
        """The requester's owner id, what they keep and their quotas (the teacher and the machine's
        own user: what the whole store keeps, and no quota)."""
        me, limits = owners.current(), self.limits
        quotas = {
            "networks": limits.max_owner_networks,
            "datasets": limits.max_owner_datasets,
            "bytes": limits.max_owner_bytes,
            "expire_idle_seconds": limits.expire_idle_seconds,
        }
        return {
            "owner": me.owner,
            "teacher": me.teacher,
            "usage": self.store.usage(me.listing_owner),
            "quotas": None if me.everything else quotas,
        }

    def rename(self, network_id: str, name: str | None) -> dict:
        name = (name or "").strip() or None
        if name is not None and len(name) > self.limits.max_name_length:
            raise InvalidInput(
                f"the name has {len(name)} characters, over the limit max_name_length="
                f"{self.limits.max_name_length}"
            )
        control = next((c for c in name or "" if unicodedata.category(c) == "Cc"), None)
        if control is not None:
            raise InvalidInput(
                f"the name has a control character (U+{ord(control):04X}); a name is one line of plain text"
            )
        if not self.store.rename(network_id, name):
            raise NotFound(f"no network with id {network_id!r}")
        return {"id": network_id, "name": name}

    def share(self, network_id: str) -> dict:
        """The key that lets another owner view the network, and the page's link with it."""
        owner = self.store.owner_of(network_id)
        if owner is None:
            raise NotFound(f"no network with id {network_id!r}")
        key = owners.share_key(self.store.secret(), network_id)
        yours = owners.current().may_open(owner)
        return {"share": key, "link": f"/#net={network_id}&share={key}", "yours": yours}
