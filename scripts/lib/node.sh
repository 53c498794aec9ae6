# Sourced by scripts/run.sh and scripts/test.sh: Node dependencies, installed when missing or stale.

ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "• installing npm packages (npm ci)"
    npm ci --no-fund --no-audit --loglevel=error
  else
    echo "• npm packages up to date"
  fi
}
