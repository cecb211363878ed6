std = "lua54"
max_line_length = 130
self = false
files["spec/**/*.lua"] = { std = "+busted" }
files["bin/*"] = { std = "lua54" }
exclude_files = { "build/**" }
