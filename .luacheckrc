-- The library, the bksops command, the examples and the specs run on Lua 5.1,
-- 5.3, 5.4 and LuaJIT: they are checked against what all four share (what
-- differs goes through lua/sops/compat.lua). The simulator needs 5.3+.
std = "min"
max_line_length = 130
self = false
files["lua/sops/sim/**/*.lua"] = { std = "lua53" }
-- the simulator's benchmark runs on lua5.4 only, as the simulator does
files["bench/sim.lua"] = { std = "lua54" }
files["spec/**/*.lua"] = { std = "min+busted" }
-- OpenResty's ngx, where the cosocket transport runs (and the nginx specs)
files["lua/sops/cosocket.lua"] = { read_globals = { "ngx" } }
files["lua/sops/client.lua"] = { read_globals = { "ngx" } }
files["spec/ngx/**/*.lua"] = { globals = { "ngx" } }
-- (types/: the editor definition file, declarations with empty bodies)
exclude_files = { "build/**", "types/**" }
