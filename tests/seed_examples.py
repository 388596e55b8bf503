"""Examples from the seed API document, shared by the tests that check them at several layers."""

SENML_PACK = [
    {
        "bn": "some-base-name:",
        "bt": 1.276020076001e09,
        "bu": "A",
        "bver": 5,
        "n": "voltage",
        "u": "V",
        "v": 120.1,
    },
    {"n": "current", "t": -5, "v": 1.2},
    {"n": "current", "t": -4, "v": 1.3},
]
"""`POST /http/channels/{id}/messages`, section "Send Messages"."""
