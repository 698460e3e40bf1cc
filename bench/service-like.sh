# Sourced by bench/footprint.sh and bench/link-order.sh: starts surveyd as the systemd service runs
# it, without systemd. The plain-text socket is passed by systemd-socket-activate (as surveyd.socket
# does), TLS listens too (a self-signed certificate made here), READY=1, STATUS= and WATCHDOG=1 go
# to a notification socket read here, with the watchdog armed, and the log goes to the journal.
#   service_config WORK [SED-EXPRESSION]   → WORK/surveyd.conf with TLS on a free port, TLS_PORT set
#   service_start WORK PORT COMMAND...     → runs COMMAND (surveyd and its arguments, maybe under a
#                                            tool) activated on 127.0.0.1:PORT; SERVICE_PID set;
#                                            returns once READY=1 has arrived (2 minutes at most)
#   service_notifications WORK             → what surveyd has notified so far, one message a line

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

service_config() {
    local work=$1 edit=${2:-}
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$work/tls-key.pem" -out "$work/tls-cert.pem" 2>/dev/null
    TLS_PORT=$(free_port)
    { sed -e "${edit:-}" config/surveyd.conf
      printf 'tls:\n  listen: ["127.0.0.1:%s"]\n  certificate: %s\n  key: %s\n' "$TLS_PORT" "$work/tls-cert.pem" "$work/tls-key.pem"
    } > "$work/surveyd.conf"
}

service_start() {
    local work=$1 port=$2
    shift 2
    rm -f "$work/notify.sock" "$work/notifications"
    python3 - "$work/notify.sock" "$work/notifications" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(65536).decode(errors="replace").replace("\n", " ") + "\n")
PY
    for _ in $(seq 100); do [[ -S "$work/notify.sock" ]] && break; sleep 0.05; done
    systemd-socket-activate -l "127.0.0.1:$port" -E "NOTIFY_SOCKET=$work/notify.sock" -E WATCHDOG_USEC=4000000 \
        "$@" > /dev/null 2> "$work/surveyd.stderr" &
    SERVICE_PID=$!
    # systemd-socket-activate starts the program at the first connection, as systemd does.
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
    for _ in $(seq 1200); do grep -q "READY=1" "$work/notifications" 2>/dev/null && return 0; sleep 0.1; done
    echo "surveyd did not notify READY=1:" >&2; cat "$work/surveyd.stderr" >&2
    return 1
}

service_notifications() { cat "$1/notifications" 2>/dev/null || true; }
