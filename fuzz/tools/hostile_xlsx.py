# Writes the hand-made minimal reproducers of the xlsx fuzz crashes (tests/hostile/fuzz/xlsx-*.xlsx):
# a one-sheet workbook (employees) with inline strings, where one row or cell reference is hostile.
# Usage: python3 fuzz/tools/hostile_xlsx.py DIR   (also writes DIR/ok.xlsx, the same book unharmed)
import sys, zipfile
def book(path, row_attr, cell_ref, extra='', dim=''):
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
          '<sheets><sheet name="employees" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    def s(ref, text): return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    header = ''.join(s(f'{c}1', h) for c, h in zip('ABCD', ['employee_id','name','scheme','target_bonus']))
    data = s('A2','E1') + s('B2','A') + s('C2','transactional') + f'<c r="{cell_ref}"><v>100000</v></c>'
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>'
             f'<row r="1">{header}</row><row r="{row_attr}">{data}</row>{extra}</sheetData></worksheet>')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in [('[Content_Types].xml', ct), ('_rels/.rels', rels), ('xl/workbook.xml', wb),
                           ('xl/_rels/workbook.xml.rels', wbrels), ('xl/worksheets/sheet1.xml', sheet)]:
            zi = zipfile.ZipInfo(name, (1980,1,1,0,0,0)); zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text)
d = sys.argv[1]
book(f'{d}/ok.xlsx', '2', 'D2')
book(f'{d}/xlsx-cell-column-overflow.xlsx', '2', 'AAAAAAAA2')
book(f'{d}/xlsx-row-number-overflow.xlsx', '99999999999', 'D2')
book(f'{d}/xlsx-cell-column-huge.xlsx', '2', 'ZZZZZZ2')
book(f'{d}/xlsx-row-index-overflow.xlsx', '4294967295', 'D4294967295', '<row></row>')
book(f'{d}/xlsx-dimension-reversed.xlsx', '2', 'D2', dim='<dimension ref="D1:A2"/>')
