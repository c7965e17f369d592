"""Display names for runs created without one: ``adjective-noun-N``, as W&B names them.

``N`` is the run's number within its project (1 for the first run), so names are
unique within a project and tell the order runs were created in.
"""

from __future__ import annotations

import secrets

__all__ = ["run_display_name"]

ADJECTIVES = (
    "amber azure bold brave breezy bright brisk calm celestial cerulean charmed cheerful clear clever cool "
    "cosmic crimson crisp curious dainty dandy daring dashing dauntless deep denim devoted dry dulcet eager "
    "earthy easy eternal ethereal fancy fanciful fast fearless fiery fine firm fluent fluffy fragrant fresh "
    "frosty gallant gentle giddy glamorous glad glorious golden good graceful grateful hardy helpful hearty "
    "honest hopeful icy jolly jumping kind laced lemon light likely lively logical lucky lunar lyric magic "
    "major mellow misty morning noble northern olive peachy peach playful polar proud quiet radiant rare "
    "resilient robust rosy royal rural scarlet serene sharp silver smart smooth snowy solar sparkling "
    "spring stellar still stoic summer sunny super sweet swift tender true twilight upbeat usual vague "
    "valiant vibrant vital vivid volcanic warm wandering wild winter wise worldly young zany zesty"
).split()

NOUNS = (
    "aardvark bird brook butterfly cherry cloud darkness dawn deluge dew disco dream dust eon fire firebrand "
    "firefly flower fog forest frog frost galaxy glade glitter grass hill haze jazz lake leaf lion meadow "
    "microwave moon morning mountain music night oath ocean paper pine planet plant pond puddle rain "
    "resonance river salad sea serenity shadow shape silence sky smoke snow snowball sound spaceship "
    "spark star sun sunset surf terrain thunder totem tree universe valley vortex water waterfall wave "
    "wildflower wind wood yogurt"
).split()


def run_display_name(number: int) -> str:
    """A fresh ``adjective-noun-N`` name for the ``number``-th run of a project."""
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{number}"
