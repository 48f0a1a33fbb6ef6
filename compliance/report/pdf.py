"""The monthly report as a PDF laid out like a Vietnamese administrative document.

Layout after Decree 30/2020/NĐ-CP, Phụ lục I: A4 portrait, margins 20 mm
top and bottom, 30 mm left, 15 mm right; a Times-New-Roman-metric serif
(Liberation Serif, embedded from compliance/fonts/); issuing agency on the
left, national title and motto on the right, each with its short rule; place
and date in italics; title in bold capitals; body 13 pt justified with a
1 cm first-line indent; "Nơi nhận" bottom left, signature block bottom right;
page numbers centred in the top margin from page 2. The annexes are on
landscape pages (their tables are wide).

reportlab embeds the TrueType subsets with a ToUnicode map, so pdftotext
gives back the Vietnamese text exactly (tested). `invariant` makes the bytes
depend only on the content.
"""
from __future__ import annotations

from pathlib import Path

from compliance.report import charts, fonts, prose, text
from compliance.report.content import Report

MM = 72 / 25.4


def _styles():
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    family = fonts.register_reportlab()
    regular, bold, italic = fonts.NAMES["regular"], fonts.NAMES["bold"], fonts.NAMES["italic"]
    base = ParagraphStyle("base", fontName=regular, fontSize=13, leading=16.5)
    return {
        "agency_parent": ParagraphStyle("ap", base, fontSize=12.5, leading=15, alignment=TA_CENTER),
        "agency": ParagraphStyle("ag", base, fontName=bold, fontSize=12.5, leading=15, alignment=TA_CENTER),
        "number": ParagraphStyle("no", base, alignment=TA_CENTER),
        "nation": ParagraphStyle("na", base, fontName=bold, fontSize=12, leading=15, alignment=TA_CENTER),
        "motto": ParagraphStyle("mo", base, fontName=bold, fontSize=13, leading=15, alignment=TA_CENTER),
        "place": ParagraphStyle("pl", base, fontName=italic, alignment=TA_CENTER),
        "title": ParagraphStyle("ti", base, fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER),
        "to": ParagraphStyle("to", base, fontSize=14, leading=18),
        "body": ParagraphStyle("bo", base, alignment=TA_JUSTIFY, firstLineIndent=10 * MM, spaceAfter=6),
        "heading": ParagraphStyle("he", base, fontName=bold, spaceBefore=8, spaceAfter=5),
        "cell": ParagraphStyle("ce", base, fontName=regular, fontSize=8.5, leading=10.2, alignment=TA_LEFT),
        "cell_num": ParagraphStyle("cn", base, fontName=regular, fontSize=8.5, leading=10.2, alignment=TA_RIGHT),
        "cell_center": ParagraphStyle("cc", base, fontSize=8.5, leading=10.2, alignment=TA_CENTER),
        "cell_head": ParagraphStyle("ch", base, fontName=bold, fontSize=8.5, leading=10.2, alignment=TA_CENTER),
        "cell_bold": ParagraphStyle("cb", base, fontName=bold, fontSize=8.5, leading=10.2, alignment=TA_LEFT),
        "cell_bold_num": ParagraphStyle("cbn", base, fontName=bold, fontSize=8.5, leading=10.2, alignment=TA_RIGHT),
        "caption": ParagraphStyle("ca", base, fontName=italic, fontSize=11, leading=13.5, alignment=TA_CENTER,
                                  spaceBefore=3, spaceAfter=8),
        "recipients_head": ParagraphStyle("rh", base, fontName=fonts.NAMES["bolditalic"], fontSize=12, leading=14),
        "recipients": ParagraphStyle("re", base, fontSize=11, leading=13),
        "signer": ParagraphStyle("si", base, fontName=bold, alignment=TA_CENTER),
        "annex_ref": ParagraphStyle("ar", base, fontName=italic, alignment=TA_CENTER, spaceAfter=8),
        "family": family,
    }


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rule(width: float, thickness: float = 0.6):
    """A short centred rule, as under the agency name, the motto and the title."""
    from reportlab.platypus import Flowable

    class Rule(Flowable):
        def wrap(self, available_width, available_height):
            self._available = available_width
            return available_width, 4

        def draw(self):
            x = (self._available - width) / 2
            self.canv.setLineWidth(thickness)
            self.canv.line(x, 2.5, x + width, 2.5)

    return Rule()


# A Table sets its cells' font even when every cell is a Paragraph; left to its
# default that is Helvetica, a font the PDF would then name without embedding.
_CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), fonts.NAMES["regular"])


def _table(rows, widths, header_rows=1, total_row=False):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    style = [
        _CELL_FONT,
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#E6E6E6")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F2F2F2")))
    table.setStyle(TableStyle(style))
    return table


def _p(value, style):
    from reportlab.platypus import Paragraph

    return Paragraph(_escape(str(value)), style)


def _header(report: Report, s):
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Spacer, Table, TableStyle

    h = report.header
    left = [_p(h.parent_agency, s["agency_parent"]), _p(h.agency, s["agency"]), _rule(22 * MM), Spacer(1, 4),
            _p("Số: " + h.number.replace(" ", "\u00a0"), s["number"])]
    motto = "Độc lập - Tự do - Hạnh phúc"
    right = [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s["nation"]), _p(motto, s["motto"]),
             _rule(stringWidth(motto, fonts.NAMES["bold"], 13)), Spacer(1, 4),
             _p(text.place_date(h.place, h.issued_on), s["place"])]
    table = Table([[left, right]], colWidths=[62 * MM, 103 * MM])
    table.setStyle(TableStyle([_CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _title(report: Report, s):
    from reportlab.platypus import Spacer, Table, TableStyle

    h = report.header
    story = [Spacer(1, 14), _p(h.title, s["title"]), _p(h.subject, s["title"]), _rule(40 * MM), Spacer(1, 8)]
    if len(h.addressees) == 1:
        story.append(_p(f"Kính gửi: {h.addressees[0]}.", s["to"]))
        story[-1].style.alignment = 1
    else:
        lines = [f"- {a}{'.' if i == len(h.addressees) - 1 else ';'}" for i, a in enumerate(h.addressees)]
        block = Table([[_p("Kính gửi:", s["to"]), [_p(line, s["to"]) for line in lines]]],
                      colWidths=[24 * MM, 70 * MM], hAlign="CENTER")
        block.setStyle(TableStyle([_CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(block)
    story.append(Spacer(1, 10))
    return story


def _unit_table(report: Report, s):
    head = [_p(c, s["cell_head"]) for c in prose.UNIT_COLUMNS]
    rows = [head]
    for i, r in enumerate(report.units, 1):
        rows.append([_p(i, s["cell_center"]), _p(r.unit_name, s["cell"])] + [
            _p(v, s["cell_num"]) for v in (
                text.number(r.expected), text.number(r.received), text.number(r.on_time), text.number(r.late),
                text.number(r.median_minutes_late, 1 if (r.median_minutes_late or 0) % 1 else 0),
                text.number(r.missing), text.number(r.rejected_files), text.number(r.warnings),
                text.percent(r.on_time_rate))])
    f = report.current
    rows.append([_p("", s["cell"]), _p("Tổng cộng", s["cell_bold"])] + [
        _p(v, s["cell_bold_num"]) for v in (
            text.number(f.expected), text.number(f.received), text.number(f.on_time), text.number(f.late),
            text.number(f.median_minutes_late, 1 if (f.median_minutes_late or 0) % 1 else 0),
            text.number(f.missing + f.rejected_only), text.number(f.rejected_files), text.number(f.warnings),
            text.percent(f.on_time_rate))])
    widths = [8 * MM, 43 * MM] + [12.6 * MM] * 8 + [13.2 * MM]
    return _table(rows, widths, total_row=True)


def _worst_table(report: Report, s):
    rows = [[_p(c.format(), s["cell_head"]) for c in prose.WORST_COLUMNS]]
    for w in report.worst:
        rows.append([_p(w.rank, s["cell_center"]), _p(w.unit_name, s["cell"]),
                     _p(text.number(w.missed), s["cell_num"]), _p(text.number(w.late), s["cell_num"]),
                     _p(text.number(w.expected), s["cell_num"]), _p(text.percent(w.on_time_rate), s["cell_num"]),
                     _p(text.percent(w.previous_on_time_rate), s["cell_num"])])
    return _table(rows, [8 * MM, 67 * MM, 18 * MM, 18 * MM, 18 * MM, 18 * MM, 18 * MM])


def _comparison_table(report: Report, s):
    before, now = report.previous_period.short_label, report.period.short_label
    word = "Tháng " if report.period.is_month else ""
    head = [c.format(previous=word + before, current=word + now) for c in prose.COMPARISON_COLUMNS]
    rows = [[_p(c, s["cell_head"]) for c in head]]
    for row in report.comparison:
        rows.append([_p(row.label, s["cell"])] + [_p(prose.comparison_cell(row, w), s["cell_num"])
                                                   for w in ("previous", "current", "delta")])
    return _table(rows, [75 * MM, 30 * MM, 30 * MM, 30 * MM])


def _annex_table(report: Report, s):
    rows = [[_p(c, s["cell_head"]) for c in prose.ANNEX_COLUMNS]]
    for i, a in enumerate(report.annex, 1):
        rows.append([_p(i, s["cell_center"]), _p(a.unit_name, s["cell"]), _p(a.dataset_title, s["cell"]),
                     _p(text.date(a.period_date), s["cell_center"]), _p(a.slot or "—", s["cell_center"]),
                     _p(text.moment(a.due_at), s["cell_center"]), _p(text.STATUS_LABELS[a.status], s["cell"]),
                     _p(text.moment(a.first_accepted_at), s["cell_center"]),
                     _p(text.number(a.minutes_late), s["cell_num"]), _p(text.number(a.rejected_files), s["cell_num"])])
    widths = [10 * MM, 52 * MM, 56 * MM, 20 * MM, 14 * MM, 25 * MM, 28 * MM, 25 * MM, 14 * MM, 13 * MM]
    return _table(rows, widths)


def _grouped_annex_table(report: Report, s):
    from compliance.report.content import annex_groups

    rows = [[_p(c, s["cell_head"]) for c in prose.GROUPED_COLUMNS]]
    for i, g in enumerate(annex_groups(report), 1):
        rows.append([_p(i, s["cell_center"]), _p(g.unit_name, s["cell"]), _p(g.dataset_title, s["cell"]),
                     _p(text.STATUS_LABELS[g.status], s["cell"]), _p(text.number(g.count), s["cell_num"]),
                     _p(g.when, s["cell"]),
                     _p(text.number(g.median_minutes_late, 1 if (g.median_minutes_late or 0) % 1 else 0), s["cell_num"]),
                     _p(text.number(g.rejected_files), s["cell_num"])])
    return _table(rows, [10 * MM, 50 * MM, 48 * MM, 27 * MM, 14 * MM, 76 * MM, 18 * MM, 14 * MM])


def _freshness_table(report: Report, s):
    rows = [[_p(c, s["cell_head"]) for c in prose.FRESHNESS_COLUMNS]]
    for i, f in enumerate(report.freshness, 1):
        rows.append([_p(i, s["cell_center"]), _p(f.unit_name, s["cell"]), _p(f.dataset_title, s["cell"]),
                     _p(text.FRESHNESS_LABELS[f.status], s["cell"]), _p(text.moment(f.last_update_at), s["cell_center"]),
                     _p(text.number(f.age_hours, 1), s["cell_num"]), _p(text.number(f.max_age_hours), s["cell_num"]),
                     _p(f"{text.number(f.checks_not_fresh)}/{text.number(f.checks)}", s["cell_num"])])
    return _table(rows, [10 * MM, 60 * MM, 62 * MM, 32 * MM, 27 * MM, 20 * MM, 20 * MM, 26 * MM])


def _signature(report: Report, s):
    from reportlab.platypus import Spacer, Table, TableStyle

    h = report.header
    left = [_p("Nơi nhận:", s["recipients_head"])] + [_p(f"- {line}", s["recipients"]) for line in h.distribution]
    right = []
    if h.signer_authority:
        right.append(_p(h.signer_authority, s["signer"]))
    right += [_p(h.signer_title, s["signer"]), Spacer(1, 62), _p(h.signer_name or "", s["signer"])]
    table = Table([[left, right]], colWidths=[80 * MM, 85 * MM])
    table.setStyle(TableStyle([_CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def story(report: Report) -> list:
    from reportlab.platypus import KeepTogether, NextPageTemplate, PageBreak, Spacer

    s = _styles()
    words = prose.write(report)
    out = [_header(report, s)] + _title(report, s)
    out += [_p(p, s["body"]) for p in [report.header.basis]]
    out.append(_p(prose.SECTIONS["summary"], s["heading"]))
    out += [_p(p, s["body"]) for p in words.summary]
    out.append(_p(prose.SECTIONS["units"], s["heading"]))
    out.append(_p(words.units_intro, s["body"]))
    if report.units:
        out.append(_unit_table(report, s))
    out.append(_p(prose.SECTIONS["worst"], s["heading"]))
    out += [_p(p, s["body"]) for p in words.worst]
    if report.worst:
        out.append(_worst_table(report, s))
    out.append(KeepTogether([_p(prose.SECTIONS["comparison"], s["heading"])]
                            + [_p(p, s["body"]) for p in words.comparison] + [_comparison_table(report, s)]))
    out.append(_p(prose.SECTIONS["charts"], s["heading"]))
    out.append(KeepTogether([charts.to_drawing(charts.heatmap(report)), _p(prose.FIGURE_CAPTIONS[0], s["caption"])]))
    out.append(KeepTogether([charts.to_drawing(charts.trend(report)), _p(prose.FIGURE_CAPTIONS[1], s["caption"])]))
    out.append(_p(prose.SECTIONS["proposals"], s["heading"]))
    out += [_p(f"{i}. {p}", s["body"]) for i, p in enumerate(words.proposals, 1)]
    out.append(Spacer(1, 10))
    out.append(KeepTogether([_signature(report, s)]))
    if not report.annex:
        first = _p("Không có lần cập nhật muộn hoặc không cập nhật nào trong kỳ.", s["body"])
    elif report.annex_grouped:
        first = [_p(prose.grouped_note(report, report.annex_limit), s["body"]), _grouped_annex_table(report, s)]
    else:
        first = _annex_table(report, s)
    annexes = [(prose.ANNEX_TITLES[0], first)]
    if report.freshness:
        annexes.append((prose.ANNEX_TITLES[1], _freshness_table(report, s)))
    for (number, title), table in annexes:
        out += [NextPageTemplate("landscape"), PageBreak(), _p(number, s["title"]),
                _p(title.format(period=report.period.label), s["title"]), _p(words.annex_reference, s["annex_ref"])]
        out += table if isinstance(table, list) else [table]
    return out


def render(report: Report, path: Path) -> Path:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    fonts.register_reportlab()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def number_pages(canvas, doc):
        # Decree 30: page numbers centred in the top margin, none on the first page.
        if doc.page > 1:
            canvas.saveState()
            canvas.setFont(fonts.NAMES["regular"], 13)
            width, height = canvas._pagesize
            canvas.drawCentredString(width / 2, height - 12 * MM, str(doc.page))
            canvas.restoreState()

    portrait_w, portrait_h = A4
    land_w, land_h = landscape(A4)
    portrait = Frame(30 * MM, 20 * MM, portrait_w - 45 * MM, portrait_h - 40 * MM, id="portrait",
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    wide = Frame(20 * MM, 20 * MM, land_w - 40 * MM, land_h - 38 * MM, id="landscape",
                 leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    h = report.header
    doc = BaseDocTemplate(
        str(path), pagesize=A4, invariant=True,
        # Without this the canvas starts in Helvetica, a font reference no
        # text uses but a viewer would still look for on the system.
        initialFontName=fonts.NAMES["regular"], initialFontSize=13,
        title=f"{h.title} {h.subject}", author=f"{h.agency_name} tỉnh Thanh Hóa", subject=h.subject,
        creator="Cổng thông tin phòng, chống COVID-19 tỉnh Thanh Hóa", lang="vi-VN",
    )
    doc.addPageTemplates([
        PageTemplate(id="portrait", frames=[portrait], pagesize=A4, onPage=number_pages),
        PageTemplate(id="landscape", frames=[wide], pagesize=landscape(A4), onPage=number_pages),
    ])
    doc.build(story(report))
    return path
