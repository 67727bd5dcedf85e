import pytest

from knowledge_base.facets import (ABROAD, DOMESTIC, IN_PERSON, ONLINE, age_fit, audience_fit, audience_kinds,
                                   direction_contradicts, foreign_fit, message_directions, grade_fit, message_age,
                                   message_asks_combined, message_birth_registered, message_channel,
                                   message_from_organisation, message_grades, message_is_foreign, message_negates,
                                   message_negations, message_quantities, message_residence, name_age_range,
                                   name_asserts, name_channel, name_combined_with, name_exclusions, name_grades,
                                   name_is_foreign, name_quantity_ranges, name_registers_birth, name_residence,
                                   quantity_fit, residence_fit, sibling_key, stated_directions)
from knowledge_base.levels import base_name
from knowledge_base.normalize import fold_accents, normalize_query
from knowledge_base.operations import (AMEND, CANCEL, CERTIFY, COPY, EXCHANGE, EXTEND, FOUND, LOCK, RECUR, REISSUE,
                                       RELAPSE, REPAIR, REREGISTER, RESTORE, REVIEW, REVOKE, SUSPEND, UNLOCK, head_operations,
                                       message_operations, name_operations, operation_features,
                                       without_operation_words)


def folded(text: str) -> str:
    return " ".join(normalize_query(text).folded_tokens)


@pytest.mark.parametrize("name, ops", [
    ("Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV", set()),
    ("Cấp lại giấy phép xây dựng đối với công trình cấp III, cấp IV", {REISSUE}),
    ("Gia hạn giấy phép xây dựng", {EXTEND}),
    ("Cấp đổi thẻ căn cước (thực hiện tại cấp tỉnh)", {EXCHANGE}),
    ("Điều chỉnh giấy phép xây dựng", {AMEND}),
    ("Thu hồi giấy phép lái xe", {REVOKE}),
    ("Xóa đăng ký tạm trú", {CANCEL}),
    ("Tạm ngừng kinh doanh hộ kinh doanh", {SUSPEND}),
    ("Chấm dứt hoạt động hộ kinh doanh", {CANCEL}),
    ("Dừng thực hiện thủ tục đăng ký hộ kinh doanh", {CANCEL}),
    ("Thủ tục đăng ký lại khai sinh", {REREGISTER}),
    ("Phúc khảo bài thi chứng chỉ đại lý bảo hiểm", {REVIEW}),
    ("Trở lại quốc tịch Việt Nam ở trong nước", {RESTORE}),
    ("Đăng ký thành lập công ty TNHH hai thành viên trở lên", {FOUND}),
    ("Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV", {REPAIR}),
    ("Đăng ký thường trú", set()),
    ("Giải quyết hưởng chế độ TNLĐ, BNN do thương tật, bệnh tật tái phát", {RELAPSE}),
    ("Cấp giấy phép sử dụng vật liệu nổ công nghiệp", set()),  # "sử dụng" is not "dừng"
    ("Khóa căn cước điện tử (thực hiện tại cấp tỉnh)", {LOCK}),
    ("Mở khóa tài khoản định danh điện tử (thực hiện tại cấp tỉnh)", {UNLOCK}),
    ("Mở khóa đào tạo bồi dưỡng nghiệp vụ", set()),  # a training course, not a lock
    ("Cấp bản sao văn bản chứng nhận đăng ký biện pháp bảo đảm bằng tàu biển", {COPY}),
    ("Thủ tục cấp bản sao Giấy phép từ sổ gốc đối với tổ chức tài chính vi mô", {COPY}),
    ("Thủ tục đóng tài khoản lưu ký giấy tờ có giá", {CANCEL}),
    ("Thủ tục mở tài khoản lưu ký giấy tờ có giá", set()),
    ("Chứng thực di chúc", {CERTIFY}),
    ("Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh", {REISSUE}),  # what replaces a lost paper
    ("Cấp bản sao có chứng thực từ bản chính giao dịch đã được chứng thực", set()),  # issues a copy
])
def test_name_operations(name, ops):
    assert name_operations(base_name(name)) == ops


@pytest.mark.parametrize("message, op", [
    ("bằng lái bị mất làm lại ở đâu", REISSUE),
    ("em mat bang lai xe roi lam sao", REISSUE),
    ("cccd het han roi doi o dau", EXCHANGE),
    ("năm nay tôi đủ 40 tuổi, căn cước có phải đổi không", EXCHANGE),  # the card's exchange ages
    ("giay phep xay dung sap het han", EXTEND),
    ("giấy khai sinh ghi sai tên con", AMEND),
    ("muon xoa tam tru cho nguoi thue nha", CANCEL),
    ("so goc bi mat muon dang ky lai khai sinh", REREGISTER),
    ("tiệm em muốn tạm nghỉ bán vài tháng", SUSPEND),
    ("nghi ban may thang co phai bao xa ko", SUSPEND),
    ("giờ nghỉ bán hẳn rồi thì làm gì", CANCEL),
    ("xin dung thu tuc dang ky dang xu ly", CANCEL),
    ("vết thương tai nạn lao động cũ tái phát", RELAPSE),
    ("nay lại bị tai nạn lao động lần nữa", RECUR),
    ("khoa tai khoan vneid tam thoi vi nghi bi hack", LOCK),
    ("mất điện thoại, muốn tạm khóa VNeID", LOCK),
    ("tài khoản VNeID bị khóa rồi", UNLOCK),
    ("mo khoa can cuoc dien tu o dau", UNLOCK),
    ("photo cong chung can cuoc o dau", CERTIFY),
    ("sao y bản chính học bạ ở xã", CERTIFY),
    ("thẻ căn cước bị gãy đôi, đổi lại mất bn tiền", EXCHANGE),
    ("sơn lại xe màu khác có cần đổi đăng ký không", EXCHANGE),
    ("ca vet bi mo, rach, muon doi cai moi", EXCHANGE),
    ("chuyen DNTN thanh cong ty co phan", EXCHANGE),
    ("doi dia chi van phong dai dien cua cong ty", AMEND),
    ("xin doi tro giup vien phap ly khac cho minh", AMEND),
    ("Công ty em chuyển trụ sở sang quận khác", AMEND),
    ("nộp hồ sơ rồi mà đổi ý, xin dừng xử lý hồ sơ", CANCEL),
    ("sửa chữa nâng tầng nhà cũ có phải xin phép không", REPAIR),
    ("ông mất lâu rồi, giấy tờ thất lạc, sổ hộ tịch của xã cũng không còn", REREGISTER),
    ("quỹ tín dụng cần bản sao giấy phép thành lập, bản chính cất trong kho", COPY),
    ("xin cấp bản sao văn bản chứng nhận đăng ký thế chấp tàu", COPY),
    ("trại heo nghỉ nuôi rồi, muốn báo hủy mã số định danh", CANCEL),
    ("đã nhập quốc tịch Đức, bên Đức bắt bỏ quốc tịch VN", CANCEL),
    ("trả hết nợ rồi muốn gỡ thế chấp con tàu", CANCEL),
    ("chi nhánh chấm dứt nên cần đóng tài khoản lưu ký ở NHNN", CANCEL),
    ("muốn dừng hẳn việc bán hàng hoàn thuế", CANCEL),
    ("nó về quê rồi, muốn bỏ tên nó khỏi diện tạm trú nhà mình", CANCEL),
    ("nghi bi lo mat khau, muon khoa ngay can cuoc dien tu", LOCK),
])
def test_message_operations(message, op):
    assert op in message_operations(folded(message))


def test_an_operation_the_message_says_it_is_not_is_not_asked():
    assert message_operations(folded("lần đầu trình duyệt quy hoạch chứ không phải điều chỉnh")) == frozenset()
    assert message_operations(folded("ko phai cap lai, giay phep moi hoan toan")) == frozenset()
    assert AMEND in message_operations(folded("không phải lần đầu, giờ điều chỉnh quy hoạch"))


def test_a_copy_named_as_a_document_is_no_request_for_a_copy():
    assert COPY not in message_operations(folded("hồ sơ gồm bản sao căn cước và giấy khai sinh"))
    assert COPY not in message_operations(folded("đăng ký thế chấp tàu biển ở đâu, lệ phí bao nhiêu"))


def test_setting_up_is_the_plain_procedure():
    name = base_name("Đăng ký thành lập công ty TNHH một thành viên")
    assert FOUND in name_operations(name) and head_operations(name) == frozenset()


def test_a_company_set_up_already_asks_for_no_founding():
    assert FOUND not in message_operations(folded("công ty mới thành lập cần đăng ký thuế thế nào"))
    assert FOUND not in message_operations(folded("văn phòng mới được cho phép thành lập, giờ đăng ký hoạt động"))
    assert FOUND in message_operations(folded("xin cho phép thành lập văn phòng giám định"))
    # The decision or licence to set up is in hand; the step after it is asked.
    assert FOUND not in message_operations(folded(
        "Chúng tôi vừa có quyết định cho phép thành lập văn phòng thừa phát lại, bước tiếp theo đăng ký hoạt động"))
    assert FOUND not in message_operations(folded(
        "hãng luật vừa được Bộ Tư pháp cấp giấy phép thành lập, giờ đăng ký hoạt động ở Sở"))
    assert FOUND in message_operations(folded("xin giấy phép thành lập công ty luật nước ngoài cần gì"))
    assert FOUND in message_operations(folded("Dạ em muốn xin giấy phép thành lập công ty luật"))


@pytest.mark.parametrize("message", ["đã công chứng hợp đồng rồi, giờ sang tên sổ đỏ", "mở văn phòng công chứng",
                                     "bổ nhiệm công chứng viên", "xin bản sao có chứng thực hợp đồng"])
def test_certification_done_or_the_notary_trade_is_not_a_request_to_certify(message):
    assert CERTIFY not in message_operations(folded(message))


@pytest.mark.parametrize("message", ["giấy khai sinh gốc bị mất, ủy ban nói sổ lưu cũng bị cháy hết rồi",
                                     "bị cháy giấy khai sinh, sổ hộ tịch lưu cũng mất rồi"])
def test_a_lost_register_means_registering_again_not_a_copy(message):
    assert message_operations(folded(message)) == frozenset({REREGISTER})


@pytest.mark.parametrize("message", ["tiệm em muốn nghỉ bán vài tháng", "nghi kinh doanh 3 thang roi mo lai"])
def test_a_pause_for_a_while_is_not_a_closure(message):
    assert message_operations(folded(message)) == frozenset({SUSPEND})


def test_situations_listed_after_the_head_do_not_make_a_procedure_less_plain():
    name = base_name("Đăng ký biến động quyền sử dụng đất trong các trường hợp chuyển đổi quyền sử dụng đất "
                     "nông nghiệp; chuyển nhượng, thừa kế, tặng cho quyền sử dụng đất")
    assert head_operations(name) == frozenset() and EXCHANGE in name_operations(name)
    assert operation_features(frozenset(), name_operations(name), head_operations(name)) == (0.0, 1.0)
    # A message asking for the situation still matches it.
    assert operation_features(frozenset({EXCHANGE}), name_operations(name), head_operations(name)) == (1.0, 0.0)
    assert head_operations(base_name("Cấp lại giấy phép xây dựng đối với trường hợp bị mất")) == {REISSUE}


def test_plain_questions_ask_for_no_operation_and_features_reward_the_match():
    assert message_operations(folded("xin giấy phép xây nhà 3 tầng")) == frozenset()
    assert operation_features(frozenset({REISSUE}), frozenset({REISSUE, AMEND})) == (1.0, 0.0)
    assert operation_features(frozenset({REISSUE}), frozenset()) == (0.0, 0.0)
    assert operation_features(frozenset(), frozenset()) == (0.0, 1.0)
    assert operation_features(frozenset(), frozenset({EXTEND})) == (0.0, 0.0)


@pytest.mark.parametrize("message", [
    "chồng em người Hàn muốn đăng ký kết hôn", "vo toi quoc tich phap", "con sinh ben Nhat ve VN",
    "khai sinh có yếu tố nước ngoài", "Việt kiều Mỹ về nước mua nhà",
    "tôi có bằng lái xe của Úc, muốn đổi sang bằng lái VN",
])
def test_foreign_messages(message):
    assert message_is_foreign(folded(message))


@pytest.mark.parametrize("message", [
    "người lao động nghỉ việc rút bhxh", "đăng ký kết hôn ở xã", "làm hộ chiếu lần đầu",
    "người pháp luật quy định", "", "theo quy định của pháp luật thì sao",
    # Travelling abroad is no foreign element of the procedure (tem AB, giấy thông hành).
    "cơ quan cử tôi sang Lào công tác, dán tem AB thế nào",
])
def test_domestic_messages(message):
    assert not message_is_foreign(folded(message))


def test_foreign_names_and_fit():
    assert name_is_foreign(base_name("Thủ tục đăng ký khai sinh có yếu tố nước ngoài"))
    assert name_is_foreign(base_name("Cấp giấy thông hành biên giới Việt Nam – Lào cho công dân Việt Nam"))
    assert not name_is_foreign(base_name("Thủ tục đăng ký khai sinh"))
    assert foreign_fit(True, True) == foreign_fit(False, False) == 1.0
    assert foreign_fit(True, False) == foreign_fit(False, True) == 0.0
    # A foreign audience listed beside people at home: the procedure serves both kinds of askers.
    mixed = name_is_foreign(base_name("Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu đối với hộ gia "
                                      "đình, cá nhân, cộng đồng dân cư, người gốc Việt Nam định cư ở nước ngoài"))
    assert mixed is None and foreign_fit(True, mixed) == foreign_fit(False, mixed) == 1.0
    assert name_is_foreign(base_name("Cấp giấy phép lao động cho cá nhân nước ngoài")) is True
    # Papers issued in Việt Nam listed beside foreign ones: chứng thực bản sao is for everyone.
    copies = name_is_foreign(base_name("Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm "
                                       "quyền của Việt Nam; cơ quan, tổ chức có thẩm quyền của nước ngoài"))
    assert copies is None


def test_organisation_askers_and_audience_fit():
    assert message_from_organisation(folded("Công ty chúng tôi muốn thuê đất làm nhà xưởng"))
    assert message_from_organisation(folded("cty em tang von dieu le"))
    assert not message_from_organisation(folded("nhà tôi muốn làm sổ đỏ"))
    serves_org = audience_kinds("doanh nghiep, to chuc (khong bao gom doanh nghiep, htx)")
    serves_people = audience_kinds("cong dan viet nam")
    assert serves_org == (True, False) and serves_people == (False, True)
    assert audience_fit(True, serves_org) == 1.0 and audience_fit(True, serves_people) == 0.0
    assert audience_fit(False, serves_people) == 1.0 and audience_fit(False, (False, False)) == 0.5


@pytest.mark.parametrize("message", ["người Thái ở Sơn La làm căn cước", "người Tày", "ở Thái Bình",
                                     "Sở Tư pháp tỉnh", "tu phap xa"])
def test_ethnic_groups_and_provinces_are_not_foreign(message):
    assert not message_is_foreign(folded(message))


@pytest.mark.parametrize("message, age", [
    ("con 10 tuoi lam the can cuoc co phai lay van tay ko", 10),
    ("be 4 tuoi lam the can cuoc qua vneid", 4),
    ("toi nam nay 40 tuoi chua co giay khai sinh", 40),
    ("chau moi sinh duoc 3 thang tuoi", 0),
    ("lam can cuoc cho tre so sinh", 0),
    ("lam can cuoc o dau", None),
    ("nop ho so luc 10 gio", None),
    # A bound is not the age: "dưới 14 tuổi" is at most 13.
    ("lam can cuoc cho be duoi 14 tuoi", 13),
    ("tre tren 14 tuoi lam can cuoc", 15),
])
def test_message_age(message, age):
    assert message_age(message) == age


def test_age_ranges_of_names_and_fit():
    under = name_age_range("cap the can cuoc cho nguoi duoi 14 tuoi")
    adult = name_age_range("cap the can cuoc cho nguoi tu du 14 tuoi tro len")
    assert under == (0, 14) and adult == (14, 1000)
    assert name_age_range("cap lai the can cuoc") is None
    assert age_fit(10, under) == 1.0 and age_fit(10, adult) == 0.0
    assert age_fit(14, adult) == 1.0 and age_fit(14, under) == 0.0
    assert age_fit(None, under) == age_fit(10, None) == 0.5


@pytest.mark.parametrize("message, residence", [
    ("tôi đang sống ở Pháp muốn nhập quốc tịch việt nam", ABROAD),
    ("nộp hồ sơ ở đại sứ quán được không", ABROAD),
    ("em đang ở Đà Nẵng, muốn xin nhập quốc tịch", DOMESTIC),
    ("dinh cu o duc roi muon ve nuoc", None),  # says both: abroad now, coming home
    ("thủ tục nhập quốc tịch việt nam", None),
])
def test_message_residence(message, residence):
    assert message_residence(folded(message)) == residence


def test_name_residence_and_fit():
    abroad = name_residence(folded("Nhập quốc tịch Việt Nam ở nước ngoài"))
    domestic = name_residence(folded("Nhập quốc tịch Việt Nam ở trong nước"))
    assert (abroad, domestic) == (ABROAD, DOMESTIC)
    assert name_residence(folded("Đăng ký thường trú")) is None
    assert residence_fit(ABROAD, abroad) == 1.0 and residence_fit(ABROAD, domestic) == 0.0
    assert residence_fit(None, domestic) == 0.5 and residence_fit(DOMESTIC, None) == 0.5
    # Where the applicant lives is not a foreign element of the procedure.
    assert not name_is_foreign(folded("Thôi quốc tịch Việt Nam ở nước ngoài"))


def test_construction_grades():
    assert message_grades(folded("xin giấy phép xây dựng công trình cấp I")) == {"1"}
    assert message_grades(folded("công trình cấp đặc biệt")) == {"special"}
    assert message_grades(folded("cấp lại căn cước")) == frozenset()  # "cấp" as the verb, no building
    province = name_grades(folded("Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II"))
    commune = name_grades(folded("Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV"))
    assert province == {"special", "1", "2"} and commune == {"3", "4"}
    assert grade_fit(frozenset({"1"}), province) == 1.0 and grade_fit(frozenset({"1"}), commune) == 0.0
    assert grade_fit(frozenset(), commune) == 0.5


def test_siblings_split_by_a_facet_share_a_key():
    plain = sibling_key(base_name("Thủ tục đăng ký khai sinh"))
    assert plain == sibling_key(base_name("Thủ tục đăng ký khai sinh có yếu tố nước ngoài"))
    assert plain == sibling_key(base_name("Thủ tục đăng ký khai sinh lưu động"))
    assert plain != sibling_key(base_name("Thủ tục đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân"))


def test_the_words_of_a_names_operation_can_be_taken_out():
    assert without_operation_words(base_name("Thu hồi Giấy phép hoạt động đối với phương tiện giao thông thông minh")) \
        == "giay phep hoat dong doi voi phuong tien giao thong thong minh"
    assert without_operation_words("dang ky lai viec nuoi con nuoi trong nuoc") == "viec nuoi con nuoi trong nuoc"


@pytest.mark.parametrize("message, op", [
    ("Tôi đã khóa căn cước điện tử, giờ muốn mở lại", UNLOCK),
    # Nationality given up in the past is history; taking it back is what is asked.
    ("da thoi quoc tich VN tu lau, gio muon lay lai quoc tich", RESTORE),
    ("muốn thôi quốc tịch Việt Nam", CANCEL),
    ("thanh lap cong ty tnhh 2 thanh vien mat bao lau", FOUND),
])
def test_what_was_done_already_is_history_not_the_request(message, op):
    assert message_operations(folded(message)) == frozenset({op})


def test_online_and_in_person_siblings():
    assert name_channel(base_name("Đăng ký xe tạm thời thực hiện bằng dịch vụ công trực tuyến toàn trình")) == ONLINE
    assert name_channel(base_name("Đăng ký xe tạm thời thực hiện bằng dịch vụ công trực tuyến một phần hoặc trực "
                                  "tiếp thực hiện tại cấp trung ương")) == IN_PERSON
    assert name_channel(base_name("Đăng ký thường trú")) is None
    assert message_channel(folded("đăng ký biển số tạm thời qua mạng không cần lên công an")) == ONLINE
    assert message_channel(folded("nop truc tiep o cong an xa duoc ko")) == IN_PERSON
    assert message_channel(folded("đăng ký xe tạm thời cần gì")) is None


def test_completing_a_file_is_no_amendment():
    assert AMEND not in message_operations(folded("xin phiếu thông tin cư trú để bổ sung hồ sơ xin việc"))
    assert AMEND in message_operations(folded("bổ sung tên cha vào giấy khai sinh"))


@pytest.mark.parametrize("message", [
    "trạm đăng kiểm mới xin hoạt động lần đầu cần bản vẽ mặt bằng gì",
    "du an da giai phong mat bang xong, xin giay phep xay dung",
    "thue mat bang mo quan an can giay phep gi",
    "mat bang xay dung nha xuong can giay to gi",
])
def test_a_site_or_floor_plan_is_not_a_lost_licence(message):
    assert REISSUE not in message_operations(folded(message))


def test_a_damaged_paper_is_exchanged_unless_a_reissue_is_named():
    assert message_operations(folded("the can cuoc bi gay, chip hu thi lam lai o dau")) == frozenset({EXCHANGE})
    assert REISSUE in message_operations(folded("giay phep xay dung bi rach nat, xin cap lai"))
    assert REISSUE in message_operations(folded("mat the can cuoc, lam lai o dau"))


def test_moving_house_is_no_home_visit():
    from knowledge_base.facets import message_wants_mobile
    assert not message_wants_mobile(folded("mua nhà mới, muốn chuyển hộ khẩu về nhà mới"))
    assert message_wants_mobile(folded("cán bộ xã về tận nhà làm khai tử được không"))


def test_a_lost_paper_found_again_is_restored_not_reissued():
    assert message_operations(folded("Đã trình báo mất hộ chiếu rồi nhưng giờ lại tìm thấy, dùng lại được không")) == \
        frozenset({RESTORE})
    assert message_operations(folded("em không tìm được thủ tục làm hộ chiếu")) == frozenset()
    assert RESTORE in name_operations(folded("Khôi phục giá trị sử dụng hộ chiếu phổ thông"))


def test_an_expired_paper_made_anew_is_not_extended():
    assert EXTEND not in message_operations(folded("hộ chiếu hết hạn rồi, làm mới ở đâu"))
    assert EXTEND in message_operations(folded("giấy phép hết hạn thì gia hạn thế nào"))
    assert AMEND in name_operations(folded("Sửa lỗi sai sót trong giao dịch"))


def test_crossing_directions_contradict_only_the_other_way():
    asked = stated_directions(folded("nhập khẩu hạt giống lúa để khảo nghiệm"))
    assert direction_contradicts(asked, stated_directions(folded("Cấp phép xuất khẩu giống cây trồng")))
    assert not direction_contradicts(asked, stated_directions(folded("Cấp phép nhập khẩu giống cây trồng")))
    assert not direction_contradicts(asked, stated_directions(folded("Thủ tục hải quan hàng xuất nhập khẩu")))
    # A message naming both ways ("phòng xuất nhập cảnh") contradicts nothing.
    both = stated_directions(folded("làm ở phòng xuất nhập cảnh"))
    assert both == frozenset({"nhap canh", "xuat canh"})
    assert not direction_contradicts(both, stated_directions(folded("Tàu biển nhập cảnh")))


def test_a_birth_registered_already_is_not_registered_again():
    assert message_birth_registered(folded("cháu đã 5 tuổi, đã có giấy khai sinh nhưng để trống phần cha"))
    assert message_birth_registered(folded("giay khai sinh cua be de trong phan ten cha"))
    assert not message_birth_registered(folded("sinh con ở nhà, làm giấy khai sinh cần gì"))
    assert name_registers_birth(folded("Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"))
    assert not name_registers_birth(folded("Thủ tục đăng ký nhận cha, mẹ, con"))
    assert not name_registers_birth(folded("Thủ tục đăng ký lại khai sinh"))


def test_what_a_name_leaves_out():
    def name_text(name: str) -> str:  # names keep their brackets and commas here
        return fold_accents(name).lower()

    kept, items = name_exclusions(name_text(
        "Cấp giấy phép hoạt động của phương tiện cơ giới, trừ xe mô tô, xe gắn máy (thực hiện tại cấp tỉnh)"))
    assert items == ("xe mo to", "xe gan may")
    assert "mo" not in kept.split() and "phuong tien co gioi" in kept
    kept, items = name_exclusions(name_text(
        "Xóa đăng ký biện pháp bảo đảm bằng động sản (không phải là tàu bay, tàu biển), bằng cây hằng năm"))
    assert items == ("tau bay", "tau bien") and kept.endswith("bang cay hang nam")
    # "miễn trừ", "khấu trừ" name a right or a tax step, not an exclusion.
    assert name_exclusions(name_text("Tạm nhập khẩu xe ô tô của đối tượng được hưởng quyền ưu đãi, miễn trừ"))[1] == ()
    assert name_exclusions(name_text("Khai thuế của tổ chức khấu trừ thuế thu nhập cá nhân"))[1] == ()


def test_a_holder_stopping_is_served_by_a_revocation():
    from knowledge_base.operations import served_operations
    asked = message_operations(folded("trại nghỉ nuôi rồi, muốn báo ngừng sử dụng mã số định danh"))
    assert CANCEL in asked and REVOKE in served_operations(asked)
    assert served_operations(frozenset({REISSUE})) == frozenset({REISSUE})


def test_goods_sent_in_or_out_imply_the_direction():
    assert message_directions(folded("Người nhà gửi từ Nhật về cho tôi mấy hộp cá khô")) == frozenset({"nhap khau"})
    assert message_directions(folded("muốn bán lô hàng sang Trung Quốc")) == frozenset({"xuat khau"})
    # Travelling is no export, and "tư pháp" is no France.
    assert message_directions(folded("tôi đi du lịch sang Nhật")) == frozenset()
    assert message_directions(folded("gửi hồ sơ lên sở tư pháp")) == frozenset()
    # Words that state the direction win over what is implied.
    assert message_directions(folded("nhập khẩu hàng gửi sang Lào")) == frozenset({"nhap khau"})


def test_what_a_message_says_is_not_so_and_the_names_stating_it():
    said = message_negations(folded("tôi tự dịch, tôi không phải cộng tác viên dịch thuật của xã"))
    assert said == ("cong tac vien",)
    assert message_negations(folded("ko phải là người nước ngoài")) == ("nguoi nuoc ngoai",)
    assert message_negations(folded("có phải nộp phí không")) == ()
    assert message_negates(folded("tôi không phải")) and not message_negates(folded("có phải nộp phí không"))
    plain = base_name("Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật của Ủy ban nhân dân cấp xã")
    negated = base_name("Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật")
    assert name_asserts(plain, said[0]) and not name_asserts(negated, said[0])
    assert name_asserts(base_name("Cấp thẻ cho người nước ngoài"), "nguoi nuoc ngoai")
    # The first two words are enough when the third is the message's own ("hội viên hội ...").
    assert name_asserts(base_name("Cấp thẻ hội viên"), "hoi vien hoi")
    assert not name_asserts(base_name("Đăng ký kết hôn"), "cong tac vien")


def name_text(name: str) -> str:
    return fold_accents(name).lower()


def message_text(message: str) -> str:
    return normalize_query(message).folded  # the whole folded message: tokens drop "%"


def test_quantities_pick_the_side_of_a_size_threshold():
    big = name_quantity_ranges(name_text("Cấp giấy phép khai thác nước dưới đất đối với công trình có quy mô "
                                      "từ 5.000 m3/ngày đêm trở lên"))
    small = name_quantity_ranges(name_text("Cấp giấy phép khai thác nước dưới đất đối với công trình có quy mô "
                                        "dưới 5.000 m3/ngày đêm"))
    assert big == {"m3": (5000.0, float("inf"))} and small == {"m3": (0.0, 5000.0)}
    well = message_quantities(message_text("giếng khoan của cty em lấy khoảng 7000 m3/ngày, xin phép ở đâu"))
    assert well == {"m3": 7000.0}
    assert quantity_fit(well, big) == 1.0 and quantity_fit(well, small) == 0.0
    assert message_quantities(message_text("tam 3.500 khoi moi ngay")) == {"m3": 3500.0}
    assert message_quantities(message_text("7k m3 1 ngay")) == {"m3": 7000.0}
    assert quantity_fit(message_quantities(message_text("dưới 5000m3")), small) == 1.0  # the bound is not the size
    # "từ 200 tấn trở xuống" bounds from above; a name giving both sides restricts nothing.
    boats = name_quantity_ranges(name_text("Tàu thuyền có trọng tải từ 200 tấn trở xuống"))
    assert boats == {"tan": (0.0, 200.000000001)}
    both = name_text("sở hữu 10% vốn điều lệ trở lên hoặc giảm xuống dưới 10% vốn điều lệ")
    assert name_quantity_ranges(both) == {}
    stake = name_quantity_ranges(name_text("nhà đầu tư nước ngoài mua cổ phần dẫn đến mức sở hữu "
                                           "từ 10% vốn điều lệ trở lên"))
    assert quantity_fit(message_quantities(message_text("quỹ bên em định mua 12% cổ phần")), stake) == 1.0
    assert quantity_fit(message_quantities(message_text("mua 6 phan tram co phan")), stake) == 0.0
    parcel = name_quantity_ranges(name_text("Thủ tục hải quan đối với gói, kiện hàng hóa xuất khẩu có trị giá "
                                            "hải quan dưới 5 triệu đồng"))
    assert quantity_fit(message_quantities(message_text("gui vai thung hang mau, tri gia 3tr")), parcel) == 1.0
    assert message_quantities(message_text("3 trang giay")) == {}
    community = name_quantity_ranges(name_text("Công nhận và giao quyền quản lý cho tổ chức cộng đồng "
                                               "(thuộc địa bàn từ 02 xã trở lên)"))
    assert quantity_fit(message_quantities(message_text("dam pha nam tren 2 xa")), community) == 1.0
    assert quantity_fit(message_quantities(message_text("bai bien chi thuoc 1 xa")), community) == 0.0
    assert message_quantities(message_text("cty có 2 phương tiện và 3 phương án")) == {}
    assert message_quantities(message_text("khu vực thuộc 3 phường")) == {"xa": 3.0}
    # Ages, years and unrelated numbers are no sizes; nothing shared is unknown.
    assert message_quantities(message_text("cccd cho bé 10 tuổi, giấy phép 2 năm")) == {}
    assert quantity_fit({}, big) == 0.5 and quantity_fit(well, {}) == 0.5


def test_organisations_and_destinations_named_by_country_are_foreign():
    for message in ("Hãng luật Singapore liên doanh với văn phòng luật sư VN", "cty e 100% von Nhat",
                    "rep office của một bank Hàn ở Hà Nội", "phia Philippines muon dua truc thang vao",
                    "trung tam hoa giai Singapore mo chi nhanh"):
        assert message_is_foreign(folded(message)), message
    for message in ("công ty lớn nhất tỉnh", "vốn hạn chế", "đi lao động ở tỉnh khác", "sang pháp luật",
                    "đăng ký thành lập công ty tnhh"):
        assert not message_is_foreign(folded(message)), message


def test_a_combined_procedure_fits_only_a_message_asking_both():
    name = folded("Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con có yếu tố nước ngoài")
    assert name_combined_with(name) == "nhan"
    assert name_combined_with(folded("Thủ tục đăng ký khai sinh có yếu tố nước ngoài")) is None
    assert not message_asks_combined(folded("chồng tôi người Hàn, làm giấy khai sinh cho con thế nào"), "nhan")
    assert message_asks_combined(folded("làm khai sinh và nhận cha cho con, bố là người Hàn"), "nhan")
    assert message_asks_combined(folded("bo chau nguoi Han, hai dua chua dang ky ket hon, lam khai sinh"), "nhan")
    assert message_asks_combined(folded("con ngoài giá thú, bố người Nhật, khai sinh thế nào"), "nhan")
    assert name_combined_with(folded("Sử dụng đất kết hợp đa mục đích, gia hạn phương án sử dụng đất kết hợp đa mục đích")) is None
