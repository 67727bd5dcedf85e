from knowledge_base import levels


def test_level_variants_share_a_base_name():
    a = levels.base_name("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    b = levels.base_name("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)")
    assert a == b == "cap ho chieu pho thong o trong nuoc"


def test_immigration_office_variants_group_together():
    central = "Gia hạn tạm trú cho người đã được cấp giấy miễn thị thực tại Cục Quản lý xuất nhập cảnh Bộ Công an"
    province = ("Gia hạn tạm trú cho người đã được cấp giấy miễn thị thực tại Phòng Quản lý xuất nhập cảnh "
                "Công an tỉnh, thành phố trực thuộc Trung ương")
    assert levels.base_name(central) == levels.base_name(province)
    assert levels.level_of(central, ["Cấp bộ"]) == levels.CENTRAL
    assert levels.level_of(province, ["Cấp tỉnh"]) == levels.PROVINCE


def test_different_procedures_do_not_group():
    assert levels.base_name("Đăng ký khai sinh") != levels.base_name("Đăng ký khai tử")


def test_level_from_record_levels_when_name_is_silent():
    assert levels.level_of("Đăng ký thường trú", ["Cấp xã"]) == levels.COMMUNE
    assert levels.level_of("Cấp giấy phép X", ["Cấp bộ"]) == levels.CENTRAL
    assert levels.level_of("Cấp giấy phép X", ["Cấp bộ", "Cấp tỉnh"]) == levels.PROVINCE


def test_requested_level_and_preference():
    assert levels.requested_level("lam ho chieu o bo cong an") == levels.CENTRAL
    assert levels.requested_level("nop o ubnd xa duoc khong") == levels.COMMUNE
    assert levels.requested_level("lam ho chieu mat bao lau") is None
    assert levels.requested_level("nop ho so o so tu phap") == levels.PROVINCE
    # "cán bộ công an" is an officer, not "Bộ Công an".
    assert levels.requested_level("to cao can bo cong an xa") == levels.COMMUNE
    assert levels.requested_level("the bhyt cho than nhan can bo cong an tai cong an tinh") == levels.PROVINCE
    assert levels.requested_level("to cao can bo cong an gui len bo cong an") == levels.CENTRAL
    # A ministry that granted or decides names the central variant, unless a local office is named too.
    assert levels.requested_level("giay phep tham do khoang san do bo cap het han") == levels.CENTRAL
    assert levels.requested_level("mo thuoc tham quyen bo, xin cap phep khai thac") == levels.CENTRAL
    assert levels.requested_level("quang dat hiem thuoc tham quyen cap phep cua bo, xin tham do") == levels.CENTRAL
    assert levels.requested_level("mot cuc thuoc bo ra quyet dinh xu ly sai") == levels.CENTRAL
    assert levels.requested_level("ho so nop cuc dia chat va khoang san") == levels.CENTRAL
    assert levels.requested_level("uong thuoc bo co duoc khong") is None  # a tonic, not a ministry
    assert levels.requested_level("cty bao hiem xin bo tai chinh chap thuan doi tru so") == levels.CENTRAL
    assert levels.requested_level("lam ho chieu o cuc xuat nhap canh ha noi") == levels.CENTRAL
    assert levels.requested_level("nop o chi cuc thue khu vuc") is None
    assert levels.requested_level("bo tu phap cap giay phep roi, gio dang ky o so tu phap") == levels.PROVINCE
    # "cán bộ cấp xã" is an official, "bố mẹ" a parent, "thuốc bổ" a tonic.
    assert levels.requested_level("can bo cap xa lam sai") == levels.COMMUNE
    assert levels.requested_level("nha do bo me cho, sang ten the nao") is None
    assert levels.requested_level("ban thuoc bo can giay phep gi") is None
    # Folded, "phường" is also "phương": "phương tiện", "địa phương" name no level.
    assert levels.requested_level("nop ho so o phuong minh") == levels.COMMUNE
    assert levels.requested_level("giay phep hoat dong cho phuong tien giao thong") is None
    assert levels.requested_level("dia phuong noi toi song") is None
    # The last body named wins over the one the story passed through.
    assert levels.requested_level("hoa giai o xa khong thanh, gio gui don len chu tich ubnd tinh") == levels.PROVINCE
    assert levels.requested_level("khong dong y quyet dinh cua ubnd tinh, de nghi bo truong giai quyet") == levels.CENTRAL
    # Folded, "sổ" and "sở hữu" read like "sở": they name no department.
    assert levels.requested_level("sang ten so hong giay chung nhan quyen so huu nha o") is None
    # Without an explicit level, a provincial citizen gets the local variant first.
    assert levels.preference(levels.PROVINCE, None) < levels.preference(levels.CENTRAL, None)
    assert levels.preference(levels.CENTRAL, levels.CENTRAL) < levels.preference(levels.PROVINCE, levels.CENTRAL)


def test_other_spellings_of_the_level_qualifier_group_too():
    # "(thực hiện ở cấp tỉnh)" next to the central variant without a qualifier; "(cấp TW)".
    lao = "Cấp tem “AB” cho công dân Việt Nam xuất cảnh sang Cộng hòa dân chủ nhân dân Lào"
    assert levels.base_name(lao + " (thực hiện ở cấp tỉnh)") == levels.base_name(lao)
    assert levels.level_of(lao + " (thực hiện ở cấp tỉnh)", ["Cấp tỉnh"]) == levels.PROVINCE
    permit = "Cấp giấy phép nhận chìm ở biển"
    assert levels.base_name(permit + " (cấp TW)") == levels.base_name(permit + " (cấp tỉnh)")
    assert levels.level_of(permit + " (cấp TW)", ["Cấp bộ"]) == levels.CENTRAL


def test_a_commune_qualifier_followed_by_a_remark_groups_too():
    head = ("Giải quyết khiếu nại về quyết định hành chính, hành vi hành chính của công dân đối với lực lượng "
            "Công an nhân dân")
    commune = head + " thực hiện tại cấp xã (phải là cán bộ thuộc biên chế của lực lượng Công an)"
    assert levels.base_name(commune) == levels.base_name(head + " (thực hiện tại cấp tỉnh)")
    assert levels.level_of(commune, ["Cấp xã"]) == levels.COMMUNE


def test_a_name_missing_a_word_of_its_qualifier_still_groups():
    # The portal spells one "Ủy ban nhân cấp tỉnh".
    tinh = "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch Ủy ban nhân cấp tỉnh"
    xa = "Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch Ủy ban nhân dân cấp xã"
    assert levels.base_name(tinh) == levels.base_name(xa)
