"""Dialogue decisions: follow-ups, context switches, clarification, unsure (pure logic)."""

from dataclasses import dataclass, field

import pytest

from actions import conversation as conv


@dataclass
class FakeHit:
    code: str
    name: str = "X"
    variants: list = field(default_factory=list)


@dataclass
class FakeResult:
    hits: list
    confident: bool
    ambiguous: bool = False
    confidence: float = 0.9
    aspects: list = field(default_factory=list)


def decide(result, text, current=None, intent="ask_procedure", mentions=False):
    return conv.decide(result, current_code=current, mentions_procedure=mentions, intent=intent, text=text)


@pytest.mark.parametrize("text", ["còn lệ phí thì sao?", "con le phi thi sao", "làm online được không?",
                                  "nộp ở đâu ạ", "mất bao lâu", "cần mang gì", "/ask_fee"])
def test_follow_ups_stay_on_the_current_procedure(text):
    result = FakeResult([FakeHit("9.999999")], confident=True)  # whatever the search says
    d = decide(result, text, current="1.004222", intent="ask_fee")
    assert d.kind == conv.FOLLOW_UP and d.code == "1.004222" and d.aspects[0] == "fee"


def test_a_new_procedure_switches_context():
    result = FakeResult([FakeHit("1.001456")], confident=True)
    d = decide(result, "thế còn làm hộ chiếu thì sao", current="1.004222")
    assert d.kind == conv.ANSWER and d.code == "1.001456"


def test_follow_up_without_context_asks_for_the_procedure():
    d = decide(FakeResult([], confident=False), "lệ phí bao nhiêu?", intent="ask_fee")
    assert d.kind == conv.NEED_PROCEDURE and d.aspects == ["fee"]


def test_close_candidates_are_offered_as_choices():
    result = FakeResult([FakeHit("1.001193"), FakeHit("2.000528"), FakeHit("1.003583"), FakeHit("1.000689")],
                        confident=True, ambiguous=True)
    d = decide(result, "đăng ký khai sinh cho con")
    assert d.kind == conv.CLARIFY and [c.code for c in d.choices] == ["1.001193", "2.000528", "1.003583"]


def test_unsure_never_answers_and_shows_choices_only_when_plausible():
    plausible = FakeResult([FakeHit("1.001193"), FakeHit("2.000528")], confident=False, confidence=0.2)
    d = decide(plausible, "giấy tờ cho em bé mới đẻ")
    assert d.kind == conv.UNSURE and d.code is None and len(d.choices) == 2
    noise = FakeResult([FakeHit("1.001193")], confident=False, confidence=0.01)
    assert decide(noise, "hôm nay trời đẹp quá").choices == []


def test_aspects_from_intent_and_text_are_merged():
    result = FakeResult([FakeHit("1.001456")], confident=True, aspects=["documents", "fee"])
    d = decide(result, "làm hộ chiếu cần gì, bao nhiêu tiền", intent="ask_documents")
    assert d.aspects == ["documents", "fee"]
    d = decide(FakeResult([FakeHit("1.001456")], confident=True, aspects=["fee"]), "hộ chiếu", intent="ask_time")
    assert d.aspects == ["time", "fee"]


def test_mentioned_procedure_is_not_a_follow_up():
    result = FakeResult([FakeHit("1.000894")], confident=True)
    d = decide(result, "kết hôn", current="1.004222", mentions=True)
    assert d.kind == conv.ANSWER and d.code == "1.000894"


def test_out_of_scope_is_overridden_only_by_a_very_sure_single_procedure():
    sure = FakeResult([FakeHit("1.000001")], confident=True, confidence=0.97)
    assert conv.answers_despite_out_of_scope(sure)
    # Confident by the usual bar, but not sure enough to overrule the classifier.
    assert not conv.answers_despite_out_of_scope(FakeResult([FakeHit("1.000001")], confident=True, confidence=0.7))
    # Two close procedures, or nothing found: never answered on an out-of-scope message.
    assert not conv.answers_despite_out_of_scope(
        FakeResult([FakeHit("1.000001"), FakeHit("1.000002")], confident=True, ambiguous=True, confidence=0.97))
    assert not conv.answers_despite_out_of_scope(FakeResult([], confident=False, confidence=0.0))
    assert not conv.answers_despite_out_of_scope(FakeResult([FakeHit("1.000001")], confident=False, confidence=0.95))


@pytest.mark.parametrize("text", ["tra cứu phản ánh PA-2612-483105", "tra cuu phan anh", "hồ sơ của tôi thế nào",
                                  "ho so cua toi the nao roi", "phiếu của em tới đâu rồi", "kien nghi cua toi",
                                  "hồ sơ sang tên xe em nộp tuần trước giờ tới đâu rồi ạ",
                                  "cái đơn em gửi hôm qua xử lý chưa"])
def test_status_questions_mention_a_ticket(text):
    assert conv.asks_about_a_ticket(text)


@pytest.mark.parametrize("text", ["cà vẹt xe máy của em bị mất rồi, giờ xin cấp lại",
                                  "ca vet xe may bi mat roi gio xin cap lai", "thẻ căn cước bị gãy", ""])
def test_described_situations_do_not_mention_a_ticket(text):
    assert not conv.asks_about_a_ticket(text)


def test_a_file_may_be_an_administrative_file_not_a_ticket():
    assert conv.mentions_a_file("hồ sơ của tôi thế nào") and conv.mentions_a_file("hs cua e toi dau roi")
    assert not conv.mentions_a_file("phản ánh của tôi tới đâu rồi")
