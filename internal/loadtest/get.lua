-- GET one URL over keep-alive connections.
wrk.method = "GET"
