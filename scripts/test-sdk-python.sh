#!/usr/bin/env bash
# The cloud emulators against a second official SDK per cloud, in Python (tests/sdk-python):
# installs the pinned SDKs and pytest into $VIBEBOX_DATA_DIR/sdk-venv (again only when
# requirements.txt changes), then runs pytest; the emulators run as `npx tsx scripts/emulator.ts`.
# Extra arguments go to pytest. scripts/test.sh runs it before jest and folds its counts into the
# closing "Tests:" line (VIBEBOX_SDK_RESULTS names the file the counts go to).
# shellcheck source=lib/prelude.sh
source "$(dirname "$0")/lib/prelude.sh"

venv="$VIBEBOX_DATA_DIR/sdk-venv"
requirements=tests/sdk-python/requirements.txt
stamp="$venv/.requirements.installed"
if [ ! -x "$venv/bin/python" ]; then
  echo "• creating the Python SDK venv ($venv)"
  python3 -m venv "$venv"
fi
if [ ! -f "$stamp" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "• installing the official Python SDKs (pip, pinned)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
else
  echo "• Python SDKs up to date"
fi
echo "• official Python SDKs against the emulators (pytest)"
cd tests/sdk-python
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
