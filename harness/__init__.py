"""FPGA ML co-design harness."""
