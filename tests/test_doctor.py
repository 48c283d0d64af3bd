import json

from harness.cli import main


def test_doctor_reports_every_tool_and_open_flow_usable(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for name in ("verilator", "yosys", "c++", "ap_types", "nlohmann_json", "vivado_hls", "vitis_hls"):
        assert name in out
    assert "open flow:   usable" in out


def test_doctor_json(capsys):
    assert main(["doctor", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["open_flow"]["usable"] is True
    assert data["tools"]["verilator"]["version"]
    assert data["vendor_flow"]["usable"] is (data["vendor_flow"]["tool"] is not None)
