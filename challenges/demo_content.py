"""What the demo's entries say and look like: each challenge's own titles and descriptions, and
the art template and palette each one is drawn with (``challenges.demo_art``)."""

from __future__ import annotations

from typing import NamedTuple


class DemoEntry(NamedTuple):
    title: str
    description: str
    template: str  # a drawing of challenges.demo_art.TEMPLATES
    palette: str  # a name of challenges.demo_art.PALETTES


# The hero image of every demo challenge: (template, palette).
CHALLENGE_ART = {
    "ai-art-week-dreamscapes": ("dreamscape", "violet"),
    "tiny-worlds": ("tiny_world", "teal"),
    "retro-futures": ("retro", "amber"),
    "ocean-depths": ("ocean", "midnight"),
    "secret-garden-draft": ("garden", "emerald"),
}

# How each challenge's entries were prompted (the "prompt used" ends with it).
STYLES = {
    "ai-art-week-dreamscapes": "surreal, soft light, wide shot",
    "tiny-worlds": "miniature diorama, tilt-shift, warm light",
    "retro-futures": "1960s space-age illustration, chrome and neon",
}

# Eleven entries per challenge with entries: the demo's first eight members submit one each, and
# every third of them a second one.
ENTRIES: dict[str, list[DemoEntry]] = {
    "ai-art-week-dreamscapes": [
        DemoEntry("The Floating Orchard", "Apple trees drift between islands of cloud; the fruit "
                  "glows whenever someone remembers a summer.", "dreamscape", "emerald"),
        DemoEntry("Staircase to Tuesday", "A spiral of moonlit steps that only appears on the "
                  "second night of the week.", "dreamscape", "violet"),
        DemoEntry("Glass Whale Migration", "A pod of see-through whales swims across the sky "
                  "above a sleeping town.", "ocean", "teal"),
        DemoEntry("Moth Cathedral", "Ten thousand pale moths hold up the vaulted roof of a "
                  "cathedral made of dusk.", "dreamscape", "rose"),
        DemoEntry("Lanterns Over Still Water", "Every lantern is a wish someone forgot to make; "
                  "the lake keeps them all.", "dreamscape", "amber"),
        DemoEntry("Velvet Aurora", "Northern lights you can touch, folded like curtains over a "
                  "frozen lake.", "dreamscape", "midnight"),
        DemoEntry("The Sleepwalker's Map", "Each island is a place I have only visited with my "
                  "eyes closed.", "dreamscape", "dusk"),
        DemoEntry("Garden Under Ice", "Roses keep blooming under a frozen sea, and the fish come "
                  "to smell them.", "ocean", "midnight"),
        DemoEntry("Clockwork Lullaby", "A brass moon winds itself up each night to sing the "
                  "tides to sleep.", "dreamscape", "amber"),
        DemoEntry("Paper Moon Harbor", "Folded boats moored under a moon cut from an old "
                  "letter.", "dreamscape", "teal"),
        DemoEntry("Salt Fox Dreaming", "A fox made of sea salt curls up on a cloud and slowly "
                  "turns into rain.", "ocean", "rose"),
    ],
    "tiny-worlds": [
        DemoEntry("Teacup Planet", "A whole planet balanced on a saucer, with a lighthouse where "
                  "the handle should be.", "tiny_world", "teal"),
        DemoEntry("Pocket Forest", "Seven pines, one fox and a campfire: everything a world "
                  "needs.", "tiny_world", "emerald"),
        DemoEntry("The Smallest Village", "Three houses, one bakery, and a moon that visits on "
                  "Sundays.", "tiny_world", "amber"),
        DemoEntry("Snow Globe Sunday", "A quiet world that gets shaken once a week and has "
                  "learned to enjoy it.", "tiny_world", "midnight"),
        DemoEntry("Acorn Kingdom", "The castle is an acorn cap; digging the moat took all "
                  "summer.", "tiny_world", "dusk"),
        DemoEntry("Lighthouse for One", "A keeper, a lamp and an ocean exactly as wide as a "
                  "thumbnail.", "tiny_world", "violet"),
        DemoEntry("Moss Metropolis", "Skyscrapers of moss, commuter snails, and rush hour at "
                  "dawn.", "tiny_world", "emerald"),
        DemoEntry("Planet Picnic", "Somebody left a blanket on this world and the trees grew "
                  "around it.", "tiny_world", "rose"),
        DemoEntry("Orbiting Greenhouse", "Tomatoes, basil, and a little moon that waters them "
                  "once per orbit.", "tiny_world", "teal"),
        DemoEntry("Island in a Thimble", "A palm tree, a hammock, and a tide that comes in one "
                  "drop at a time.", "tiny_world", "amber"),
        DemoEntry("Marble World", "Found in a drawer: a glass marble with its own weather "
                  "inside.", "tiny_world", "midnight"),
    ],
    "retro-futures": [
        DemoEntry("Monorail to Mars, 1965", "The brochure promised the red planet by 1980. The "
                  "monorail is still running late.", "retro", "amber"),
        DemoEntry("Chrome Sunset Drive-In", "Flying cars parked in rows, watching a film about "
                  "the year 2000.", "retro", "rose"),
        DemoEntry("Atomic Kitchen", "A robot butler, an oven that cooks by radar, and a perfect "
                  "orange sky.", "retro", "dusk"),
        DemoEntry("Jetpack Commute", "Every morning at 8:05 the whole suburb lifts off at "
                  "once.", "retro", "violet"),
        DemoEntry("Moonbase Motel", "Vacancy! Low-gravity pool and a colour television in every "
                  "crater.", "tiny_world", "dusk"),
        DemoEntry("Neon Grid Horizon", "The future, drawn with a ruler: one sun, one road, an "
                  "endless grid.", "retro", "midnight"),
        DemoEntry("Tomorrowland Avenue", "Bubble houses on stilts under a sky full of friendly "
                  "airships.", "retro", "teal"),
        DemoEntry("The Ray-Gun Gardener", "Hedges trimmed by laser, roses sprinkled with "
                  "stardust.", "retro", "emerald"),
        DemoEntry("Rocket Age Diner", "Milkshakes served in zero gravity; the jukebox only plays "
                  "songs from the future.", "retro", "rose"),
        DemoEntry("Satellite Sweetheart", "Postcards mailed from orbit, signed with love from "
                  "1999.", "retro", "violet"),
        DemoEntry("Starliner Departure Lounge", "Now boarding at gate 7: Saturn's rings, window "
                  "seats only.", "retro", "amber"),
    ],
}
