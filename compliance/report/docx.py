"""The monthly report as an editable Word document (.docx).

The department edits a report before the director signs it (the number is
written by the clerk, figures get a sentence of context, a proposal is
reworded), so the same content as the PDF goes out as .docx: same header,
sections, tables and charts (PNG, drawn by compliance/report/charts.py), the
annexes on landscape pages. Text is set in Times New Roman, which the
department's computers have (Decree 30/2020/NĐ-CP); a .docx cannot carry
the shipped font, and LibreOffice substitutes the metric-compatible
Liberation Serif, so line breaks do not move.
"""
from __future__ import annotations

import io
from pathlib import Path

from compliance.report import charts, fonts, prose, text
from compliance.report.content import Report


def _set_font(run_or_style, size: float | None = None, bold: bool | None = None, italic: bool | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = fonts.DOCX_FONT
    # Word picks the font of Vietnamese letters from the "hAnsi"/"cs"/"eastAsia" slots too.
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(slot), fonts.DOCX_FONT)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic


def _para(container, value: str = "", size: float = 13, bold: bool = False, italic: bool = False,
          align: str = "left", indent: bool = False, after: float = 0, before: float = 0):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    paragraph = container.add_paragraph()
    paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if indent:
        fmt.first_line_indent = Mm(10)
    if value:
        _set_font(paragraph.add_run(value), size, bold, italic)
    return paragraph


def _rule(container, width_mm: float, cell_width_mm: float):
    """A short centred rule: an empty paragraph whose bottom border is narrowed by indents."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    paragraph = container.add_paragraph()
    side = max(0.0, (cell_width_mm - width_mm) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = Mm(side), Mm(side)
    fmt.space_after = Pt(2)
    fmt.line_spacing = Pt(3)
    ppr = paragraph._p.get_or_add_pPr()
    border = ppr.makeelement(qn("w:pBdr"), {})
    bottom = border.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "6",
                                                 qn("w:space"): "1", qn("w:color"): "000000"})
    border.append(bottom)
    ppr.append(border)
    return paragraph


def _no_borders(table) -> None:
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "nil"}))
    tbl_pr.append(borders)


def _widths(table, widths_mm) -> None:
    """Fix column widths: Word reads the grid, LibreOffice the cells; set both."""
    from docx.shared import Mm

    table.autofit = False
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _first_cell_paragraph(cell):
    """A new cell holds one empty paragraph: reuse it for the first line."""
    paragraph = cell.paragraphs[0]
    paragraph._p.getparent().remove(paragraph._p)
    return cell


def _grid(doc, headers, rows, widths_mm, numeric: set[int], size: float = 9, total_row: bool = False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for i, name in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        _set_font(run, size, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shading = cell._tc.get_or_add_tcPr().makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:fill"): "E6E6E6"})
        cell._tc.get_or_add_tcPr().append(shading)
    # Repeat the header row on every page the table spans.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
    for index, row in enumerate(rows):
        cells = table.add_row().cells
        last = total_row and index == len(rows) - 1
        for i, value in enumerate(row):
            paragraph = cells[i].paragraphs[0]
            _set_font(paragraph.add_run("" if value is None else str(value)), size, bold=last)
            paragraph.paragraph_format.space_after = Pt(0)
            if i in numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _widths(table, widths_mm)
    return table


def _page_numbers(section) -> None:
    """Decree 30: page number centred in the top margin, none on the first page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    _set_font(run, 13)
    for kind, value in (("begin", None), ("instr", " PAGE "), ("separate", None), ("end", None)):
        if kind == "instr":
            instr = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            instr.text = value
            run._r.append(instr)
        else:
            run._r.append(run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind}))


def render(report: Report, path: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Mm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, words = report.header, prose.write(report)
    doc = Document()
    _set_font(doc.styles["Normal"], 13)
    doc.core_properties.title = f"{h.title} {h.subject}"
    doc.core_properties.author = f"{h.agency_name} tỉnh Thanh Hóa"
    doc.core_properties.language = "vi-VN"
    doc.core_properties.created = doc.core_properties.modified = text.local(report.as_of).replace(tzinfo=None)

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _page_numbers(section)

    header = doc.add_table(rows=1, cols=2)
    _no_borders(header)
    _widths(header, [62, 103])
    left, right = (_first_cell_paragraph(c) for c in header.rows[0].cells)
    _para(left, h.parent_agency, 12.5, align="center")
    _para(left, h.agency, 12.5, bold=True, align="center")
    _rule(left, 22, 62)
    _para(left, f"Số: {h.number}", 13, align="center", before=4)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True, align="center")
    _para(right, "Độc lập - Tự do - Hạnh phúc", 13, bold=True, align="center")
    _rule(right, 58, 103)
    _para(right, text.place_date(h.place, h.issued_on), 13, italic=True, align="center", before=4)

    _para(doc, h.title, 14, bold=True, align="center", before=14)
    _para(doc, h.subject, 14, bold=True, align="center")
    _rule(doc, 40, 165)
    if len(h.addressees) == 1:
        _para(doc, f"Kính gửi: {h.addressees[0]}.", 14, align="center", before=6, after=10)
    else:
        lines = [f"- {a}{'.' if i == len(h.addressees) - 1 else ';'}" for i, a in enumerate(h.addressees)]
        to = doc.add_table(rows=1, cols=2)
        _no_borders(to)
        _widths(to, [60, 105])
        a, b = (_first_cell_paragraph(c) for c in to.rows[0].cells)
        _para(a, "Kính gửi:", 14, align="right")
        for line in lines:
            _para(b, line, 14)
        _para(doc, after=4)

    def body(paragraphs):
        for value in paragraphs:
            _para(doc, value, 13, align="justify", indent=True, after=6)

    def heading(key):
        _para(doc, prose.SECTIONS[key], 13, bold=True, before=6, after=4)

    body([h.basis])
    heading("summary")
    body(words.summary)
    heading("units")
    body([words.units_intro])
    if report.units:
        rows = [(i, r.unit_name, text.number(r.expected), text.number(r.received), text.number(r.on_time),
                 text.number(r.late), text.number(r.median_minutes_late, 1 if (r.median_minutes_late or 0) % 1 else 0),
                 text.number(r.missing), text.number(r.rejected_files), text.number(r.warnings),
                 text.percent(r.on_time_rate)) for i, r in enumerate(report.units, 1)]
        f = report.current
        rows.append(("", "Tổng cộng", text.number(f.expected), text.number(f.received), text.number(f.on_time),
                     text.number(f.late), text.number(f.median_minutes_late, 1 if (f.median_minutes_late or 0) % 1 else 0),
                     text.number(f.missing + f.rejected_only), text.number(f.rejected_files),
                     text.number(f.warnings), text.percent(f.on_time_rate)))
        _grid(doc, prose.UNIT_COLUMNS, rows, [8, 43] + [12.6] * 8 + [13.2], set(range(2, 11)), 8.5, total_row=True)
    heading("worst")
    body(words.worst)
    if report.worst:
        rows = [(w.rank, w.unit_name, text.number(w.missed), text.number(w.late), text.number(w.expected),
                 text.percent(w.on_time_rate), text.percent(w.previous_on_time_rate)) for w in report.worst]
        _grid(doc, prose.WORST_COLUMNS, rows, [8, 67, 18, 18, 18, 18, 18], {2, 3, 4, 5, 6})
    heading("comparison")
    body(words.comparison)
    word = "Tháng " if report.period.is_month else ""
    columns = [c.format(previous=word + report.previous_period.short_label, current=word + report.period.short_label)
               for c in prose.COMPARISON_COLUMNS]
    rows = [(row.label, prose.comparison_cell(row, "previous"), prose.comparison_cell(row, "current"),
             prose.comparison_cell(row, "delta")) for row in report.comparison]
    _grid(doc, columns, rows, [75, 30, 30, 30], {1, 2, 3})
    heading("charts")
    for chart, caption in ((charts.heatmap(report), prose.FIGURE_CAPTIONS[0]),
                           (charts.trend(report), prose.FIGURE_CAPTIONS[1])):
        doc.add_picture(io.BytesIO(charts.to_png(chart)), width=Mm(165))
        _para(doc, caption, 11, italic=True, align="center", after=8)
    heading("proposals")
    body([f"{i}. {p}" for i, p in enumerate(words.proposals, 1)])

    signature = doc.add_table(rows=1, cols=2)
    _no_borders(signature)
    _widths(signature, [80, 85])
    left, right = (_first_cell_paragraph(c) for c in signature.rows[0].cells)
    _para(left, "Nơi nhận:", 12, bold=True, italic=True, before=10)
    for line in h.distribution:
        _para(left, f"- {line}", 11)
    if h.signer_authority:
        _para(right, h.signer_authority, 13, bold=True, align="center", before=10)
    _para(right, h.signer_title, 13, bold=True, align="center", before=0 if h.signer_authority else 10)
    for _ in range(4):
        _para(right)
    _para(right, h.signer_name, 13, bold=True, align="center")

    if report.annex_grouped:
        from compliance.report.content import annex_groups

        first = (prose.ANNEX_TITLES[0], prose.GROUPED_COLUMNS,
                 [(i, g.unit_name, g.dataset_title, text.STATUS_LABELS[g.status], text.number(g.count), g.when,
                   text.number(g.median_minutes_late, 1 if (g.median_minutes_late or 0) % 1 else 0),
                   text.number(g.rejected_files)) for i, g in enumerate(annex_groups(report), 1)],
                 [10, 50, 48, 27, 14, 76, 18, 14], {4, 6, 7}, prose.grouped_note(report, report.annex_limit))
    else:
        first = (prose.ANNEX_TITLES[0], prose.ANNEX_COLUMNS,
                 [(i, a.unit_name, a.dataset_title, text.date(a.period_date), a.slot or "—", text.moment(a.due_at),
                   text.STATUS_LABELS[a.status], text.moment(a.first_accepted_at), text.number(a.minutes_late),
                   text.number(a.rejected_files)) for i, a in enumerate(report.annex, 1)],
                 [10, 52, 56, 20, 14, 25, 28, 25, 14, 13], {8, 9}, None)
    annexes = [first]
    if report.freshness:
        annexes.append((prose.ANNEX_TITLES[1], prose.FRESHNESS_COLUMNS,
                        [(i, f.unit_name, f.dataset_title, text.FRESHNESS_LABELS[f.status],
                          text.moment(f.last_update_at), text.number(f.age_hours, 1), text.number(f.max_age_hours),
                          f"{text.number(f.checks_not_fresh)}/{text.number(f.checks)}")
                         for i, f in enumerate(report.freshness, 1)],
                        [10, 60, 62, 32, 27, 20, 20, 26], {5, 6, 7}, None))
    for (number, title), columns, rows, widths, numeric, note in annexes:
        wide = doc.add_section(WD_SECTION.NEW_PAGE)
        wide.orientation = WD_ORIENT.LANDSCAPE
        wide.page_width, wide.page_height = Mm(297), Mm(210)
        wide.left_margin = wide.right_margin = Mm(20)
        wide.different_first_page_header_footer = False
        _para(doc, number, 13, bold=True, align="center")
        _para(doc, title.format(period=report.period.label), 13, bold=True, align="center")
        _para(doc, words.annex_reference, 13, italic=True, align="center", after=8)
        if note:
            _para(doc, note, 13, align="justify", indent=True, after=6)
        if rows:
            _grid(doc, columns, rows, widths, numeric, 8.5)
        else:
            _para(doc, "Không có lần cập nhật muộn hoặc không cập nhật nào trong kỳ.", 13, align="center")
    doc.save(str(path))
    return path
