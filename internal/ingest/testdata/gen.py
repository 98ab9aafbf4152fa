# Writes the CSV fixtures of this directory: real bytes in each encoding
# (UTF-8, UTF-8 with BOM, GB18030, UTF-16LE) and delimiter, and one file per
# defect class. Run from this directory: python3 gen.py
import codecs
A="0123456789ABCDEFGHJKLMNPQRTUWXY"
W=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
def uscc(i):
    first="915001%011d"%i
    s=sum(A.index(c)*w for c,w in zip(first,W))
    return first+A[(31-s%31)%31]
U=[uscc(i) for i in range(1,40)]

ent_rows = [
 "2023年企业名录（示例）,,,,,,,,,,",
 "序号,统一社会信用代码,企业名称,所属区县,所属园区,行业代码,经营范围,是否规上,成立日期,用地面积（亩）,用地来源",
 "1,%s,重庆甲汽车有限公司,渝北区,两江工业园,3612,汽车制造,是,2010-05-01,120.5,不动产权证" % U[0],
 "2,%s,重庆乙电子有限公司,两江新区,,3974,\"电子元件,显示器件\",否,2015/3/8,\"1,234.5\",租赁" % U[1],
 "3,%s,重庆丙材料有限公司,500101,,3216,,1,2008年6月1日,８８,"  % U[2],
 "合计,,,,,,,,,1443,",
]
text="\r\n".join(ent_rows)+"\r\n"
open("enterprises_utf8.csv","w",encoding="utf-8",newline="").write(text)
open("enterprises_utf8bom.csv","w",encoding="utf-8-sig",newline="").write(text)
open("enterprises_gb18030.csv","wb").write(text.encode("gb18030"))

# Annual, semicolon-delimited, units to convert.
ann = [
 "统一社会信用代码;年份;用地面积(平方米);营业收入(元);工业总产值/万元;工业增加值（万元）;实缴税金【万元】;综合能耗(千克标准煤);用电量(万千瓦时);主要污染物排放当量(吨);研发经费支出(万元);年平均职工人数(人);安全事故;环境违法;在建;公用事业",
 "%s;2023;66666.7;123456789;15000;3000;600;1500000;12.5;3.2;300;250;否;否;否;否" % U[0],
 "%s;2023;—;-;1.2E+04;;;;;;;;√;×;N;Y" % U[1],
]
open("annual_semicolon.csv","w",encoding="utf-8",newline="").write("\n".join(ann)+"\n")
# Tab-delimited UTF-16LE with BOM: Excel's "Unicode text".
tab = [r.replace(";","\t") for r in ann]
open("annual_utf16.txt","wb").write(codecs.BOM_UTF16_LE+("\r\n".join(tab)+"\r\n").encode("utf-16-le"))
open("annual_tab.tsv","w",encoding="utf-8",newline="").write("\n".join(tab)+"\n")

H="统一社会信用代码,企业名称,所属区县,所属园区,行业代码,经营范围,是否规上,成立日期,用地面积(亩),用地来源"
def row(u,name="甲",unit="渝北区",park="",ind="3612",scope="",above="是",founded="",land="",src=""):
    return ",".join([u,name,unit,park,ind,scope,above,founded,land,src])
bad = U[3][:17]+("1" if U[3][17]!="1" else "2")
defects=[H,
 row(bad),                                  # 2 uscc check failed: warning
 row(U[4][:16]+"I"+U[4][17]),               # 3 uscc impossible char: error
 row("9.15001000000051E+17"),               # 4 uscc as a number: error
 row(U[5],unit="火星区"),                   # 5 unknown unit: error
 row(U[6],ind="361"),                       # 6 group: error
 row(U[7],ind="36"),                        # 7 division: error
 row(U[8],ind="610"),                       # 8 leading zero lost: warning, 0610
 row(U[9],ind="111"),                       # 9 group 111 or class 0111: error
 row(U[10],above="也许"),                   # 10 boolean: error
 row(U[11],founded="2010/13/45"),           # 11 date: error
 row(U[12],land="-3"),                      # 12 negative land: error
 row(U[13],land="150000"),                  # 13 implausible land: warning
 row(U[14],land="12%"),                     # 14 percent: error
 row(U[15],land="\"1,23\""),                # 15 thousands separators: error
 row(U[16],land="#N/A"),                    # 16 spreadsheet error: error
 row(U[17],name=""),                        # 17 name required: error
 row(U[18],name="\"=HYPERLINK(\"\"http://x\"\")\""), # 18 formula-like: warning
 row(U[19],src="买的"),                     # 19 land source: error
 row(U[20],name="乙"),                      # 20 first of a duplicate
 row(U[20],name="乙二"),                    # 21 duplicate: error naming rows 20 and 21
 row(U[21],unit=""),                        # 22 unit required: error
 row(U[22],name="@SUM(A1)",park="+园区",scope="-经营"), # 23 three formula-like warnings
 row(U[23],land="1,2,3,4"),                 # 24 grouping error
 "only,three,fields",                       # 25 short row: error
 row(U[24],name="重庆,某公司").replace("\"",""), # 26 unquoted comma: too many fields
]
open("defects_enterprises.csv","w",encoding="utf-8",newline="").write("\n".join(defects)+"\n")

# Annual defects (canonical English headers).
AH="uscc,year,land_mu,revenue,output_value,value_added,tax,energy_tce,electricity_kwh,emissions_t,rd_spend,employees,safety_accident,env_violation,under_construction,utility"
def arow(u,year="2023",land="10",rev="1000",out="1200",va="300",tax="50",energy="12",elec="50000",em="",rd="15",emp="40",f="false,false,false,false"):
    return ",".join([u,year,land,rev,out,va,tax,energy,elec,em,rd,emp,f])
ad=[AH,
 arow(U[0],va="1500"),            # 2 VA > output: warning
 arow(U[1],tax="-5"),             # 3 negative tax: error
 arow(U[2],emp="0",rev="5000"),   # 4 zero employees, large revenue: warning
 arow(U[3],tax="2000"),           # 5 tax > revenue: warning
 arow(U[4],year="1890"),          # 6 year out of range: error
 arow(U[5],rev="１２３"),          # 7 full-width digits: accepted, original kept
 arow(U[6],rev="\"1,234.5\""),    # 8 thousands separators: accepted
 arow(U[7],out="1.2e3"),          # 9 scientific notation: accepted as is
 arow(U[8],rd="--",em="/",energy="无"),  # 10 missing markers: accepted, nil
 arow(U[9],va="-20"),             # 11 negative value added: warning
 arow(U[10],rev="abc"),           # 12 not a number: error
 arow(U[11],f="yes,0,N,√"),       # 13 booleans
 arow(U[0],va="1500"),            # 14 duplicate of row 2
 arow(U[12],rev="1.5亿元"),        # 15 unit in the cell: 15000 (10k yuan)
 arow(U[13],rev="100吨"),          # 16 wrong unit in the cell: error
]
open("defects_annual.csv","w",encoding="utf-8",newline="").write("\n".join(ad)+"\n")

# Monthly with separate year and month columns, GB18030.
mon=["统一社会信用代码,年份,月份,工业总产值(万元),营业收入(万元),用电量(千瓦时),从业人员平均人数",
 "%s,2024,3,100,90,12000,50" % U[0],
 "%s,2024,2024-04,100,90,12000,50" % U[0],
 "%s,2023,2024-05,100,90,12000,50" % U[0],   # 4 month outside its year: error
 "%s,2024,13,100,90,12000,50" % U[0],        # 5 bad month: error
 "%s,2024,3月,100,90,12000,50" % U[1],
 "%s,2024,3,1,1,1,1" % U[0],                  # 7 duplicate of row 2
]
open("monthly_year_month_gb18030.csv","wb").write(("\r\n".join(mon)+"\r\n").encode("gb18030"))

# Hostile content: NUL byte, invalid UTF-8 (forced UTF-8), CR/tab leading.
hb=(H+"\n"+row(U[0],name="甲\x00乙")+"\n"+row(U[1],name="\"\t=1+1\"")+"\n"+row(U[2],name="'=1+2")+"\n").encode("utf-8")
hb+=row(U[3],name="XX").encode("utf-8").replace(b"XX", b"\xff\xfe\xfd")+b"\n"
open("hostile.csv","wb").write(hb)
# GB18030 file with a byte sequence that is not GB18030.
gb=(H+"\n"+row(U[0],name="重庆甲")+"\n").encode("gb18030")+row(U[1],name="XX").encode("gb18030").replace(b"XX",b"\x81\x20")+b"\n"
open("broken_gb18030.csv","wb").write(gb)
