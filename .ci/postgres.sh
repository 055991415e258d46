# Sourced by .ci/run: install (Debian's `postgresql`) and start a PostgreSQL server on loopback, create a
# role and a database for the test suite, and export TRADETALKS_TEST_POSTGRES_URL.
# Idempotent: works when the package is already installed, the cluster already running, the role and
# database already there. Skipped when TRADETALKS_TEST_POSTGRES_URL is already set (an external server).
# Needs root (or sudo) for apt-get and for acting as the `postgres` OS user.

tt_pg_setup() {
    if [ -n "${TRADETALKS_TEST_POSTGRES_URL:-}" ]; then
        echo "postgres: using TRADETALKS_TEST_POSTGRES_URL from the environment"
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    as_postgres() {
        if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
    }
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null; then
        echo "postgres: installing Debian's postgresql"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    fi
    local ver
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
        $sudo pg_createcluster "$ver" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -qx online; then
        $sudo pg_ctlcluster "$ver" main start
    fi
    local port
    port="$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')"
    local i
    for i in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -h 127.0.0.1 -p "$port"
    as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -q -d postgres <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradetalks') THEN
        CREATE ROLE tradetalks LOGIN PASSWORD 'tradetalks';
    END IF;
END
$$;
SQL
    if ! as_postgres psql -p "$port" -tAq -d postgres -c "SELECT 1 FROM pg_database WHERE datname='tradetalks_test'" | grep -qx 1; then
        as_postgres createdb -p "$port" -O tradetalks tradetalks_test
    fi
    export TRADETALKS_TEST_POSTGRES_URL="postgresql+psycopg://tradetalks:tradetalks@127.0.0.1:${port}/tradetalks_test"
    echo "postgres: $ver on 127.0.0.1:${port}, TRADETALKS_TEST_POSTGRES_URL set"
}

tt_pg_setup
