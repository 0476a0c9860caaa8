-- wrk script for the raw-insert anchor: every request is a small form POST.
wrk.method = "POST"
wrk.body = "next=%2F"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
