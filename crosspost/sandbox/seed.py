"""The seeded demo world every helper and the README rely on."""

from __future__ import annotations

from .world import World


def seed(world: World) -> None:
    """The demo world every helper relies on (docs: common brief).

    The communities' tags count as used once on a public entry (``public_uses``), as in a
    real community; unused tags would be hidden from ordinary members in ``getusertags``
    (§5, §14). The communities start without entries.
    """
    with world.batch():
        world.add_user("writer", password="sandbox-password", api_keys=["sandbox-key"],
                       fullname="Sandbox Writer")
        # reader has no API key: on DW challenge auth always fails for it (§2.2)
        world.add_user("reader", password="sandbox-password", fullname="Sandbox Reader")
        world.add_user("mod", password="sandbox-password", api_keys=["mod-key"],
                       fullname="Sandbox Moderator")
        world.add_community("fluffyfics", maintainers=["mod"], members=["writer", "reader"],
                            fullname="Fluffy Fics")
        world.add_tags("fluffyfics", "pairing: ianto jones/tenth doctor", "fandom: torchwood",
                       "fandom: doctor who", "rating: pg", "rating: teen", "type: fic",
                       public_uses=1)
        world.add_community("modfics", maintainers=["mod"], members=["writer"],
                            moderated=True, fullname="Moderated Fics")
        world.add_tags("modfics", "fandom: torchwood", "rating: pg", "type: fic",
                       public_uses=1)
        world.add_community("closedfics", maintainers=["mod"], members=["reader"],
                            fullname="Closed Fics")
        world.add_tags("closedfics", "type: fic", public_uses=1)
        world.add_community("writersden", maintainers=["writer", "mod"],
                            fullname="The Writers' Den")
        world.add_tags("writersden", "type: fic", public_uses=1)
