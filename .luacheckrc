std = "lua54"
max_line_length = 130
self = false
-- the library also runs on Lua 5.1 and LuaJIT, where unpack is a global
read_globals = { "unpack" }
files["spec/**/*.lua"] = { std = "+busted" }
files["bin/*"] = { std = "lua54" }
exclude_files = { "build/**" }
