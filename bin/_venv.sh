# Shared by bin/run and bin/test: make .venv and install exactly the locked versions.
# Re-installs only when pyproject.toml or requirements.lock changed since the last install.
ensure_venv() {
    python_bin="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        "$python_bin" -m venv .venv
    fi
    stamp=.venv/.minibank-installed
    wanted="$(cat pyproject.toml requirements.lock | cksum)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -c requirements.lock -e ".[test,bench,dev]"
        printf '%s' "$wanted" > "$stamp"
    fi
}
