"""How the front ends name the case's things to people, shared by the command line and
the app. Core reports counts and kinds by table and kind (the JSON's vocabulary); the
words are chosen here (pyproject's import contract keeps core from importing this)."""

from __future__ import annotations

# A report's counts are keyed by table (the JSON's vocabulary); people read these words,
# singular and plural, in this order.
COUNT_WORDS = {
    "evidence": ("item", "items"),
    "attachments": ("attached file (telemetry)", "attached files (telemetry)"),
    "labels": ("label", "labels"),
    "regions": ("tag", "tags"),
    "incidents": ("incident", "incidents"),
    "incident_regions": ("tag attached to an incident", "tags attached to incidents"),
    "incident_evidence": ("item attached to an incident", "items attached to incidents"),
    "comparisons": ("comparison", "comparisons"),
    "derivations": ("record of what a derived image was made from",
                    "records of what derived images were made from"),
}
# The kinds of object a skipped entry or a conflict names.
KIND_WORDS = {"evidence": "item", "region": "tag", "attachment": "attached file",
              "derivation": "derived image's record"}


def describe_counts(counts: dict[str, int]) -> str:
    """"3 items, 1 tag, 2 tags attached to incidents": a report's counts in words."""
    order = list(COUNT_WORDS) + sorted(set(counts) - set(COUNT_WORDS))
    parts = []
    for key in order:
        if counts.get(key):
            one, many = COUNT_WORDS.get(key, (key.replace("_", " "),) * 2)
            parts.append(f"{counts[key]} {one if counts[key] == 1 else many}")
    return ", ".join(parts)


def kind_word(kind: str) -> str:
    """What a user calls an object of this kind ("region" is a tag, "evidence" an item)."""
    return KIND_WORDS.get(kind, kind)


def near_duplicate_line(near: dict) -> str:
    """A merge's incoming item that looks like one already in the case, in one line."""
    return (f"near-duplicate: {near['original_name']} ({near['id'][:8]}) from the package"
            f" looks like {near['similar_original_name']} ({near['similar_id'][:8]}) already"
            f" here, {near['distance']} bits apart")
