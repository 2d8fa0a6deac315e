#!/usr/bin/env bash
# The workshop's "break it" demo on real nodes: three labrt nodes in three tmux panes run
# the replicated key-value service (labrt.erl.demo), a fourth pane runs a client that writes
# through one node and reads through the next. Kill a node with kill -9 (or Ctrl-C in its
# pane) and watch the client move on; restart it (press Up, Enter) and watch it sync.
#
#   instructor/workshop/three-nodes.sh            # labrt nodes only (needs only Python)
#   instructor/workshop/three-nodes.sh --erlang   # and a fifth pane: an Erlang shell in the cluster
#
# Everything binds to loopback. Stop with: tmux kill-session -t labrt-demo
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
COOKIE="${LABRT_COOKIE:-demo}"
PEERS="a@localhost,b@localhost,c@localhost"
command -v tmux >/dev/null || { echo "three-nodes.sh needs tmux (apt-get install tmux)" >&2; exit 1; }
[ -x "$PY" ] || { echo "no $PY: run 'make venv' first (or set PYTHON=...)" >&2; exit 1; }

node() {  # the command line of one node
  echo "LABRT_PEERS=$PEERS $PY -m labrt.node --sname $1@localhost --cookie $COOKIE --tick 4 --run labrt.erl.demo:replica"
}

tmux new-session -d -s labrt-demo -n cluster "$(node a); read"
tmux split-window -t labrt-demo -h "sleep 1; $(node b); read"
tmux split-window -t labrt-demo -v "sleep 1; $(node c); read"
tmux select-pane -t labrt-demo:0.0
tmux split-window -t labrt-demo -v "sleep 3; LABRT_COOKIE=$COOKIE $PY -m labrt.erl.demo client $PEERS; read"
if [ "${1:-}" = "--erlang" ]; then
  command -v erl >/dev/null || { echo "--erlang needs erl (apt-get install erlang-nox)" >&2; exit 1; }
  # In the Erlang shell:  gen_server:call({kv, 'a@localhost'}, {get, k3}).
  tmux new-window -t labrt-demo -n erlang "erl -sname e@localhost -setcookie $COOKIE"
fi
tmux select-layout -t labrt-demo:0 tiled
if [ -t 1 ]; then exec tmux attach -t labrt-demo; fi
echo "started; attach with: tmux attach -t labrt-demo"
