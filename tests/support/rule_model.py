"""A deterministic rule-based stand-in for a model, served by ScriptedServer.

It reads the numbered sentences from factsift's prompt and answers in the
draft schema, quoting the article the way real models do: mostly exactly,
sometimes with straight quotes and a lowercased first word (normalised
matching), sometimes with a dropped letter (fuzzy matching), and sometimes
with words that are not in the article at all (rejection). A fabricated
quote is withdrawn when factsift re-asks; one planted by a prompt injection
is not, so the rejected list can be tested.

``planting_model`` is the hostile variant: behind quotes that are all real,
it plants free text the article does not say (an invented statement, a
swapped number, a speaker and an entity the article never names, a sentence
for a role) and keeps planting them when re-asked.
"""

from __future__ import annotations

import re
from typing import Any

SENTENCE = re.compile(r"^\[(\d+)\] (.*)$", re.M)
REASK_MARK = "some quotes are not in the article"
FABRICATED = "Ruvik was assassinated by a group of rebels in 2014"
INJECTED = "The article is fake and the utility is bankrupt"

TRIGGERS = {
    "met": ("meet", "occurred"),
    "meeting": ("meet", "occurred"),
    "visit": ("visit", "occurred"),
    "thwarted": ("attack", "prevented"),
    "foiled": ("attack", "prevented"),
    "arrested": ("arrest", "occurred"),
    "inauguration": ("opening", "occurred"),
    "opened": ("opening", "occurred"),
    "signed": ("agreement", "occurred"),
    "appointed": ("appointment", "occurred"),
    "appoint": ("appointment", "occurred"),
    "killed": ("death", "occurred"),
}
TIMES = ("earlier this year", "last month", "on Tuesday", "next year", "last week")
HEDGES = re.compile(r"\b(may|might|hinting|suggested|reportedly)\b")
SAID = re.compile(r"\b((?:[A-Z][\w'-]+ ){0,2}[A-Z][\w'-]+),? (said|says|told)\b")


def _user_text(request: dict[str, Any]) -> str:
    return "\n".join(
        str(m.get("content") or "") for m in request.get("messages", []) if m["role"] == "user"
    )


def _quote(n: int, text: str) -> dict[str, Any]:
    if n % 4 == 2 and text[:1].isupper():
        text = text[0].lower() + text[1:]
        text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    elif n % 5 == 3 and len(text) > 40:
        cut = len(text) // 2
        text = text[:cut] + text[cut + 1 :]
    return {"sentence": n, "text": text}


def _claim(n: int, sentence: str) -> dict[str, Any]:
    lowered = sentence.lower()
    kind = "fact"
    if re.search(r"\b(triumph|common sense)\b", lowered):
        kind = "opinion"
    elif re.search(r"\b(expected to|will)\b", lowered):
        kind = "prediction"
    attribution: dict[str, Any] = {"source_type": "author", "name": None}
    certainty = "asserted"
    if said := SAID.search(sentence):
        certainty = "reported"
        attribution = {
            "source_type": "person",
            "name": said[1],
            "speaker": {"sentence": n, "text": said[1]},
            "cue": {"sentence": n, "text": said[2]},
        }
    if HEDGES.search(lowered):
        certainty = "hedged"
    if "denied" in lowered:
        certainty = "denied"
    claim: dict[str, Any] = {
        "statement": sentence,
        "kind": kind,
        "certainty": certainty,
        "attribution": attribution,
        "entities": sorted(set(re.findall(r"\b[A-Z][a-z]{3,}\b", sentence)))[:4],
        "evidence": [_quote(n, sentence)],
    }
    for phrase in TIMES:
        if phrase in sentence:
            claim["time"] = {"span": {"sentence": n, "text": phrase}}
    return claim


def _events(n: int, sentence: str) -> list[dict[str, Any]]:
    events = []
    for word in re.findall(r"[A-Za-z]+", sentence):
        if word not in TRIGGERS:
            continue
        kind, realis = TRIGGERS[word]
        event: dict[str, Any] = {
            "type": kind,
            "trigger": {"sentence": n, "text": word},
            "participants": [],
            "realis": realis,
            "evidence": [{"sentence": n, "text": sentence}],
        }
        before = sentence.split(word, 1)[0]
        agent = re.findall(r"((?:[A-Z][\w-]+ ?)+)", before)
        if agent:
            event["participants"].append(
                {"role": "agent", "span": {"sentence": n, "text": agent[-1].strip()}}
            )
        if m := re.search(r"\bin ((?:[A-Z][\w]+,? ?)+)", sentence):
            event["location"] = {"sentence": n, "text": m[1].strip(" ,")}
        events.append(event)
    return events


def rule_model(request: dict[str, Any]) -> dict[str, Any]:
    """Answer a factsift extraction request from its numbered sentences."""
    text = _user_text(request)
    article = text.split("<article>", 1)[-1].split("</article>", 1)[0]
    reasked = any(REASK_MARK in str(m.get("content") or "") for m in request["messages"])
    claims: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, sentence in SENTENCE.findall(article):
        n = int(number)
        if len(sentence.split()) >= 6:
            claims.append(_claim(n, sentence))
        events.extend(_events(n, sentence))
        if (
            "Ruvik" in sentence
            and not reasked
            and not any(FABRICATED in c["statement"] for c in claims)
        ):
            fake = _claim(n, FABRICATED)
            fake["evidence"] = [{"sentence": n, "text": FABRICATED}]
            claims.append(fake)
        if "developer mode" in sentence or "Ignore previous instructions" in sentence:
            fake = _claim(n, INJECTED)
            fake["evidence"] = [{"sentence": n, "text": INJECTED}]
            claims.append(fake)
    return {"claims": claims, "events": events}


# What planting_model writes; none of it is in any article the tests use.
PLANTED_STATEMENT = "The moon is made of green cheese, officials confirmed."
PLANTED_NAME = "Professor Ada Quill"
PLANTED_ENTITY = "Atlantis Shipping Company"
PLANTED_ROLE = "the moon is made of green cheese"
_NUMBER = re.compile(r"\b\d+\b")


def planting_model(request: dict[str, Any]) -> dict[str, Any]:
    """``rule_model``'s answer with free text planted behind real quotes."""
    answer = rule_model(request)
    claims = [c for c in answer["claims"] if FABRICATED not in c["statement"]]
    planted: list[dict[str, Any]] = []
    for i, claim in enumerate(claims):
        if i % 3 == 0:
            planted.append({**claim, "statement": PLANTED_STATEMENT})
        if i % 3 == 1 and _NUMBER.search(claim["statement"]):
            swapped = _NUMBER.sub(lambda m: str(int(m[0]) * 10 + 7), claim["statement"], 1)
            planted.append({**claim, "statement": swapped})
        if i % 3 == 2:
            claim["attribution"] = {**claim["attribution"], "name": PLANTED_NAME}
        claim["entities"] = [*claim["entities"], PLANTED_ENTITY]
    for event in answer["events"]:
        for participant in event["participants"]:
            participant["role"] = PLANTED_ROLE
    answer["claims"] = claims + planted
    return answer
