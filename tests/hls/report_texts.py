"""Report texts written by the tests, in the layouts of the real reports in ../shared/fixtures.

The csynth layout follows Vivado HLS 2020.1's `myproject_csynth.rpt` (hls4ml-test_report), the
utilisation layout Vivado 2020.1's `report_utilization` (same folder); the timing summary follows the
documented `report_timing_summary` layout with the header every Vivado text report carries. Tests write
these into their own folders under the file names a user's Tcl would choose, so recognition by
content is what is tested, never the fixtures' names.
"""

from __future__ import annotations

from pathlib import Path

VIVADO_RULE = "-" * 100


def vivado_header(
    command: str, design: str, device: str, date: str, state: str, version: str = "2020.1"
) -> str:
    """The header every Vivado text report starts with."""
    return (
        f"Copyright 1986-2020 Xilinx, Inc. All Rights Reserved.\n{VIVADO_RULE}\n"
        f"| Tool Version : Vivado v.{version} (lin64) Build 2902540 Wed May 27 19:54:35 MDT 2020\n"
        f"| Date         : {date}\n"
        "| Host         : build-host running 64-bit Ubuntu 20.04.4 LTS\n"
        f"| Command      : {command}\n"
        f"| Design       : {design}\n"
        f"| Device       : {device}\n"
        f"| Design State : {state}\n"
        f"{VIVADO_RULE}\n\n"
    )


def utilization(
    file: str, date: str, state: str, lut: int, ff: int, dsp: int, design: str = "myproject"
) -> str:
    """`report_utilization -file <file>` on a 7-series part (xc7z020: 53200 LUTs, 220 DSPs)."""
    return (
        vivado_header(f"report_utilization -file {file}", design, "7z020clg400-1", date, state)
        + "Utilization Design Information\n\nTable of Contents\n-----------------\n1. Slice Logic\n"
        "2. Memory\n3. DSP\n\n1. Slice Logic\n--------------\n\n"
        "+----------------------------+------+-------+-----------+-------+\n"
        "|          Site Type         | Used | Fixed | Available | Util% |\n"
        "+----------------------------+------+-------+-----------+-------+\n"
        f"| Slice LUTs                 | {lut:4d} |     0 |     53200 |  {100 * lut / 53200:4.2f} |\n"
        f"|   LUT as Logic             | {lut:4d} |     0 |     53200 |  {100 * lut / 53200:4.2f} |\n"
        f"| Slice Registers            | {ff:4d} |     0 |    106400 |  {100 * ff / 106400:4.2f} |\n"
        "+----------------------------+------+-------+-----------+-------+\n\n\n2. Memory\n---------\n\n"
        "+----------------+------+-------+-----------+-------+\n"
        "|    Site Type   | Used | Fixed | Available | Util% |\n"
        "+----------------+------+-------+-----------+-------+\n"
        "| Block RAM Tile |    0 |     0 |       140 |  0.00 |\n"
        "+----------------+------+-------+-----------+-------+\n\n\n3. DSP\n------\n\n"
        "+----------------+------+-------+-----------+-------+\n"
        "|    Site Type   | Used | Fixed | Available | Util% |\n"
        "+----------------+------+-------+-----------+-------+\n"
        f"| DSPs           | {dsp:4d} |     0 |       220 | {100 * dsp / 220:5.2f} |\n"
        "+----------------+------+-------+-----------+-------+\n"
    )


def timing_summary(
    file: str, date: str, state: str, wns: float, whs: float, design: str = "myproject"
) -> str:
    """`report_timing_summary -file <file>`: header, then the Design Timing Summary and its verdict."""
    met = wns >= 0 and whs >= 0
    return (
        vivado_header(
            f"report_timing_summary -max_paths 10 -file {file}", design, "7z020-clg400", date, state
        )
        + "Timing Summary Report\n\n"
        "------------------------------------------------------------------------------------------------\n"
        "| Design Timing Summary\n| ---------------------\n"
        "------------------------------------------------------------------------------------------------\n\n"
        "    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  "
        "THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  "
        "TPWS Total Endpoints\n"
        "    -------      -------  ---------------------  -------------------      -------      -------  "
        "---------------------  -------------------     --------     --------  ----------------------  "
        "--------------------\n"
        f"     {wns:6.3f}        0.000                      0                 2428       {whs:6.3f}"
        f"       {min(whs, 0) * 3:6.3f}                      {0 if whs >= 0 else 3}                 2428"
        "        1.520        0.000                       0                  981\n\n\n"
        + ("All user specified timing constraints are met.\n" if met else "Timing constraints are not met.\n")
    )


def csynth(date: str, solution: str, dsp: int, lut: int, top: str = "myproject") -> str:
    """A Vivado HLS 2020.1 C-synthesis report of `top` in project myproject_prj."""
    return f"""

================================================================
== Vivado HLS Report for '{top}'
================================================================
* Date:           {date}

* Version:        2020.1 (Build 2897737 on Wed May 27 20:21:37 MDT 2020)
* Project:        myproject_prj
* Solution:       {solution}
* Product family: zynq
* Target device:  xc7z020-clg400-1


================================================================
== Performance Estimates
================================================================
+ Timing: 
    * Summary: 
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  | 5.00 ns | 4.049 ns |   0.62 ns  |
    +--------+---------+----------+------------+

+ Latency: 
    * Summary: 
    +---------+---------+-----------+-----------+-----+-----+----------+
    |  Latency (cycles) |   Latency (absolute)  |  Interval | Pipeline |
    |   min   |   max   |    min    |    max    | min | max |   Type   |
    +---------+---------+-----------+-----------+-----+-----+----------+
    |       10|       10| 50.000 ns | 50.000 ns |    8|    8| dataflow |
    +---------+---------+-----------+-----------+-----+-----+----------+

================================================================
== Utilization Estimates
================================================================
* Summary: 
+-----------------+---------+-------+--------+-------+-----+
|       Name      | BRAM_18K| DSP48E|   FF   |  LUT  | URAM|
+-----------------+---------+-------+--------+-------+-----+
|Instance         |        0| {dsp:6d}|    7944| {lut:6d}|    -|
+-----------------+---------+-------+--------+-------+-----+
|Total            |        0| {dsp:6d}|    7969| {lut:6d}|    0|
+-----------------+---------+-------+--------+-------+-----+
|Available        |      280|    220|  106400|  53200|    0|
+-----------------+---------+-------+--------+-------+-----+
"""  # noqa: W291 - the report's own trailing spaces


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
