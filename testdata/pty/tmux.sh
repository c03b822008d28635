#!/bin/sh
# tmux.sh: tmux in the sandbox: a server (forked off, on a unix socket in /tmp)
# running a shell in a pty of its own, driven with send-keys; capture-pane shows
# what the shell printed, a second window is made and listed, and the server goes.
sock=/tmp/tmux-test.sock
t() { tmux -S $sock "$@"; }
t -f /dev/null new-session -d -s test -n first -x 80 -y 24 "env PS1='$ ' sh"
t set-option -g automatic-rename off
# Keys typed before the shell's prompt would be echoed ahead of it: wait for it.
i=0
until t capture-pane -p -t test | grep -q '^\$'; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "no prompt"; break; }
	sleep 0.05
done
t send-keys -t test "echo hi-from-tmux && expr 6 \* 7" Enter
i=0
until t capture-pane -p -t test | grep -qx 42; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "no output"; t capture-pane -p -t test; break; }
	sleep 0.05
done
t capture-pane -p -t test | grep -v '^$'
t new-window -d -t test -n second "sleep 30"
t list-windows -t test -F '#{window_index} #{window_name}'
t kill-server
echo "tmux done"
