#!/bin/sh
# nginx.sh: nginx (a master and two worker processes, which it gives the ends of
# socket pairs it owns with F_SETOWN) serving a static file and a fixed reply on the
# loopback, fetched with curl, then stopped gracefully. Its configuration and files
# are made in /tmp. Port 18080, off the usual ones.
nginx=${1:-nginx}
d=/tmp/nginx-test
mkdir -p $d/www
echo "a static file" > $d/www/index.html
cat > $d/nginx.conf <<CONF
daemon off;
worker_processes 2;
error_log $d/error.log;
pid $d/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server {
    listen 127.0.0.1:18080;
    root $d/www;
    location /hello { return 200 "hello from nginx\n"; }
  }
}
CONF
"$nginx" -c $d/nginx.conf &
i=0
until curl -s -o /dev/null http://127.0.0.1:18080/hello; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "no server"; cat $d/error.log; exit 1; }
	sleep 0.05
done
curl -s http://127.0.0.1:18080/hello
curl -s http://127.0.0.1:18080/
curl -s -o /dev/null -w "%{http_code}\n" http://127.0.0.1:18080/missing
kill -QUIT "$(cat $d/nginx.pid)"
wait
echo "nginx exited $?"
