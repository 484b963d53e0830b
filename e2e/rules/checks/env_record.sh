#!/usr/bin/env bash
# Prints its whole environment (env -0, base64) on one line for run.sh, which
# compares it run alone (//:env_record) and wrapped (//:env_wrapped).
echo "ENV0 $(env -0 | base64 -w 0)"
