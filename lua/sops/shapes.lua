-- What bk-sops answers: the shapes of the values the calls return, as
-- data. Each endpoint of sops.api names its result in its `returns` field;
-- the shapes several endpoints share are written here, once, under a name.
-- The reference pages (tools/reference.lua, `make docs`) are made from
-- them, spec/43-result_shapes_spec.lua holds every call's successful answer
-- from bksops-sim to them, and an editor definition generator can read them
-- as it reads the field kinds of sops.api.
--
-- A shape is one of:
--   a string: one kind or name, or several joined by "|" (any of them):
--     "string", "integer", "number", "boolean", "null" (JSON null, which is
--     sops.null), "any" (any JSON value), "object" (any JSON object),
--     "list" (any JSON array), "none" (bk-sops answers no `data`: the call's
--     value is true), or the name of a shape of M.NAMED ("task_status",
--     "string|null", "pipeline_tree|string");
--   a table with `kind`:
--     {kind = "object", fields = {name = shape, ...},
--       optional = {name = "when it is there", ...},
--       closed = true, extends = "named object shape", doc = "..."}
--       fields not in `optional` are always there; `optional` says, for
--       each field that may be absent, when it is present. `closed`: bk-sops
--       answers no other field (the spec fails on one more); an open object
--       may hold fields not listed. `extends` takes the named object's
--       fields (and optional entries) as its own, these added.
--     {kind = "list", items = shape}     a JSON array of such items
--     {kind = "map", values = shape, keys = "what the keys are"}
--       a JSON object keyed by ids or names, each value such a shape
--     {kind = <a string shape>}  that string shape, written as a table to
--       carry `doc` or `envelope` ({kind = "none", envelope = {...}})
--   any table may also carry `doc` (a sentence for the reference), and the
--   one an endpoint's `returns` holds may carry `envelope = {field = shape}`:
--   fields of the answer beside `data` (the response, the third value on
--   success: `count` of a listing that pages, say).
local M = {}

-- the kinds a string shape may name
M.KINDS = {
  string = true, integer = true, number = true, boolean = true, null = true, any = true, object = true,
  list = true, none = true,
}

local STR_NULL = "string|null"

M.NAMED = {}
local N = M.NAMED

-- The status of one node of a task (a child in get_task_status' tree),
-- as bamboo-engine formats it (gcloud/taskflow3/domains/dispatchers/task.py).
N.node_status = {kind = "object", doc = "One node's state in a task's status tree.",
  fields = {
    id = "string", name = "string", state = "string", version = "string", loop = "integer", retry = "integer",
    skip = "boolean", error_ignorable = "boolean", error_ignored = "boolean",
    start_time = STR_NULL, finish_time = STR_NULL, elapsed_time = "integer",
    ["root_id:"] = "string", parent_id = "string",
    children = {kind = "map", keys = "node ids", values = "node_status"},
  },
  optional = {
    ["root_id:"] = "engine v2 (v1 answers state_refresh_at instead)",
    parent_id = "engine v2",
  },
}

-- get_task_status' data: the root of the status tree, with its children.
N.task_status = {kind = "object",
  doc = "A task's state and its nodes' (get_task_status). A task not started answers a placeholder: "
    .. "state CREATED, no id, `skip` 0; an EXPIRED task answers `state` and `name` only.",
  fields = {
    name = "string", state = "string",
    id = "string", version = "string", loop = "integer", retry = "integer",
    skip = "boolean|integer", error_ignorable = "boolean", error_ignored = "boolean",
    start_time = STR_NULL, finish_time = STR_NULL, elapsed_time = "integer",
    ["root_id:"] = "string", parent_id = "string",
    children = {kind = "map", keys = "node ids", values = "node_status"},
    ex_data = {kind = "map", keys = "failed node ids", values = STR_NULL},
    failed_node_info = {kind = "map", keys = "failed node ids", values = {kind = "object",
      fields = {node_id = "string", auto_retry_times = "integer", max_auto_retry_times = "integer"},
      optional = {node_id = "the node has an automatic-retry strategy",
        auto_retry_times = "the node has an automatic-retry strategy",
        max_auto_retry_times = "the node has an automatic-retry strategy"}}},
    auto_retry_status = {kind = "object", closed = true,
      fields = {exist_auto_retry_nodes = "boolean", auto_retry_nodes = {kind = "list", items = "string"}}},
  },
  optional = {
    id = "once started", version = "once started", loop = "once started", error_ignorable = "once started",
    error_ignored = "once started", ["root_id:"] = "once started (engine v2)", parent_id = "once started (engine v2)",
    retry = "not EXPIRED", skip = "not EXPIRED", start_time = "not EXPIRED", finish_time = "not EXPIRED",
    elapsed_time = "not EXPIRED",
    children = "not EXPIRED; in get_tasks_status only with include_children_status",
    ex_data = "with_ex_data, and the task FAILED",
    failed_node_info = "with_failed_node_info",
    auto_retry_status = "with_auto_retry_status (bk-sops' master branch has no such flag)",
  },
}

-- A task as the task listings give it (gcloud/apigw/views/utils.py
-- format_task_info_data).
N.task_summary = {kind = "object", doc = "A task as the listings give it.",
  fields = {
    id = "integer", name = "string", category = "string", create_method = "string", creator = "string",
    executor = "string", start_time = STR_NULL, finish_time = STR_NULL, is_started = "boolean",
    is_finished = "boolean", template_source = "string", template_id = "string", is_child_taskflow = "boolean",
    project_id = "integer", project_name = "string", bk_biz_id = "integer", bk_biz_name = STR_NULL,
  },
}

-- One variable of a pipeline tree (its `constants`, keyed by "${name}").
N.constant = {kind = "object", doc = "A variable of a pipeline tree, keyed by its key (`${name}`).",
  fields = {
    key = "string", name = "string", value = "any", custom_type = "string", source_type = "string",
    source_tag = "string", source_info = "object", show_type = "string", validation = "string",
    index = "integer", desc = "string", is_meta = "boolean", version = "string",
  },
  optional = {version = "a variable of a plugin or a custom type with versions"},
}

-- A flow's graph as bk-sops' web layer keeps it (pipeline_web).
N.pipeline_tree = {kind = "object",
  doc = "A flow's graph: its nodes, gateways, flows and variables, as bk-sops' web layer keeps it.",
  fields = {
    activities = {kind = "map", keys = "node ids", values = {kind = "object",
      fields = {id = "string", name = "string", type = "string", incoming = {kind = "list", items = "string"},
        outgoing = "string", component = {kind = "object", fields = {code = "string", data = "object",
          version = "string"}}, error_ignorable = "boolean", optional = "boolean", retryable = "boolean",
        skippable = "boolean", stage_name = "string", loop = "any"},
      optional = {component = "a ServiceActivity (a SubProcess names its template instead)",
        stage_name = "trees made by the web editor", loop = "trees made by the web editor"}}},
    gateways = {kind = "map", keys = "gateway ids", values = "object"},
    flows = {kind = "map", keys = "flow ids", values = {kind = "object",
      fields = {id = "string", source = "string", target = "string", is_default = "boolean"}}},
    start_event = {kind = "object", fields = {id = "string", type = "string", incoming = "string|list",
      outgoing = "string|list", name = "string"}},
    end_event = {kind = "object", fields = {id = "string", type = "string", incoming = "string|list",
      outgoing = "string|list", name = "string"}},
    constants = {kind = "map", keys = "variable keys (${name})", values = "constant"},
    outputs = {kind = "list", items = "string"},
    line = "list", location = "list",
  },
  optional = {line = "a task's tree and a preview (the template answers leave the drawing out)",
    location = "a task's tree and a preview (the template answers leave the drawing out)"},
}

-- A template as the template listings give it (format_template_list_data).
N.template_summary = {kind = "object", doc = "A template as the listings give it.",
  fields = {
    id = "integer", name = "string", creator = "string", create_time = "string", editor = STR_NULL,
    edit_time = "string", category = "string", description = "string",
    auth_actions = {kind = "list", items = "string"},
    project_id = "integer", project_name = "string", bk_biz_id = "integer", bk_biz_name = STR_NULL,
    labels = "list",
    notify_type = "object", notify_receivers = "object",
    executor_proxy = "string",
  },
  optional = {
    project_id = "a project's template", project_name = "a project's template",
    bk_biz_id = "a project's template", bk_biz_name = "a project's template",
    labels = "include_labels, a project's template",
    notify_type = "include_notify", notify_receivers = "include_notify",
    executor_proxy = "include_executor_proxy, a project's template",
  },
}

-- One template with its tree (format_template_data).
N.template_detail = {kind = "object", doc = "A template with its pipeline tree.",
  fields = {
    id = "integer", name = "string", creator = "string", create_time = "string", editor = STR_NULL,
    edit_time = "string", category = "string", description = "string",
    pipeline_tree = "pipeline_tree|string",
    project_id = "integer", project_name = "string", bk_biz_id = "integer", bk_biz_name = STR_NULL,
    notify_type = "object", notify_receivers = "object", executor_proxy = "string",
    has_subprocess = "boolean", subprocess_has_update = "boolean",
    template_constants = {kind = "list", items = {kind = "object", closed = true,
      fields = {name = "string", key = "string", show_type = "string", constant_type = "string",
        activity_count = "integer"}}},
  },
  optional = {
    project_id = "a project's template", project_name = "a project's template",
    bk_biz_id = "a project's template", bk_biz_name = "a project's template",
    notify_type = "include_notify", notify_receivers = "include_notify",
    executor_proxy = "include_executor_proxy, a project's template",
    has_subprocess = "include_subprocess", subprocess_has_update = "include_subprocess",
    template_constants = "include_constants",
  },
}

-- What the creations of a task answer (create_task.py).
N.created_task = {kind = "object", closed = true, doc = "The task just made.",
  fields = {task_id = "integer", task_url = "string", pipeline_tree = "pipeline_tree",
    function_task_claim_url = "string",
    -- lua-sops' own, with `key` (sops.keyed)
    name = "string", existing = "boolean", state = "string", rechecked = "boolean",
    duplicates = {kind = "list", items = "integer"}, keep = "integer"},
  optional = {
    function_task_claim_url = "create_task with flow_type common_func",
    name = "lua-sops, with `key`, when a task was found",
    existing = "lua-sops, with `key`: whether the task was there already",
    state = "lua-sops, with `key`, when a task was found: its state then",
    rechecked = "lua-sops, with `key`, when a task was made: whether the second look succeeded",
    duplicates = "lua-sops, with `key`, when several tasks carry the key: the others' ids",
    keep = "lua-sops, with `key`, when several tasks carry the key: the lowest id",
  },
}

-- A periodic task (gcloud/apigw/views/utils.py info_data_from_period_task).
N.periodic_task = {kind = "object", doc = "A periodic task as the list gives it.",
  fields = {
    id = "integer", name = "string", template_id = "integer|string", template_source = "string",
    creator = "string", cron = "string", enabled = "boolean", last_run_at = "string",
    total_run_count = "integer", editor = "string", edit_time = "string", is_latest = "boolean|null",
    auth_actions = {kind = "list", items = "string"},
  },
  optional = {editor = "include_edit_info", edit_time = "include_edit_info", is_latest = "include_edit_info",
    auth_actions = "get_periodic_task_list"},
}
N.periodic_task_detail = {kind = "object", extends = "periodic_task",
  doc = "A periodic task with the tree and variables it creates its tasks with.",
  fields = {form = {kind = "map", keys = "variable keys", values = "constant"}, pipeline_tree = "pipeline_tree"},
}

-- A clocked task (gcloud/clocked_task serializers).
N.clocked_task = {kind = "object", doc = "A task planned for a time.",
  fields = {
    id = "integer", project_id = "integer", task_id = "integer|null", template_id = "integer",
    template_name = "string", task_name = "string", template_source = "string", plan_start_time = "string",
    task_parameters = "object", creator = "string", create_time = "string", editor = "string",
    edit_time = "string", state = "string",
    clocked_task_id = "integer", auth_actions = {kind = "list", items = "string"},
  },
  optional = {clocked_task_id = "get_clocked_task_list", auth_actions = "get_clocked_task_list"},
}

-- A plugin's inputs and outputs as its format methods give them.
N.plugin_field = {kind = "object", doc = "One input or output of a plugin.",
  fields = {name = "string", key = "string", type = "string", schema = "object", required = "boolean"},
  optional = {required = "an input"},
}
N.plugin = {kind = "object", doc = "A plugin (component) of bk-sops.",
  fields = {code = "string", name = "string", group_name = "string", version = "string", desc = "string",
    form = "string", inputs = {kind = "list", items = "plugin_field"},
    outputs = {kind = "list", items = "plugin_field"}},
}

-- The plugin gateway's plugins and runs (gcloud/apigw/views/plugin_gateway.py).
N.gateway_plugin = {kind = "object", doc = "A plugin as the plugin gateway lists it.",
  fields = {id = "string", name = "string", plugin_source = "string", plugin_code = "string", group = "string",
    category = "string", versions = {kind = "list", items = "string"}, default_version = "string",
    latest_version = "string", wrapper_version = "string", description = "string"},
}
N.gateway_run = {kind = "object", closed = true, doc = "A plugin run of the plugin gateway.",
  fields = {open_plugin_run_id = "string", status = "string"}}

-- One record of a node's past runs (a template node's).
N.execution_time = {kind = "object", closed = true, doc = "One successful past run of a template node.",
  fields = {archived_time = "string", elapsed_time = "integer"}}

-- What import and copy calls answer (gcloud/template_base/models.py).
N.imported = {kind = "object", closed = true, doc = "The templates made.",
  fields = {count = "integer", flows = {kind = "map", keys = "the new template ids", values = "string"}}}

---------------------------------------------------------------------------
-- reading shapes

-- The alternatives of a string shape, in order: {"string", "null"}.
function M.alternatives(s)
  local out = {}
  for part in s:gmatch("[^|]+") do out[#out + 1] = part end
  return out
end

-- The named shape `name` (nil when there is none).
function M.named(name)
  return N[name]
end

-- The fields and optional entries of an object shape, its `extends`
-- chain included: fields, optional (new tables; the shape is not changed).
function M.object_fields(shape)
  local fields, optional = {}, {}
  local function take(s)
    if s.extends then take(assert(N[s.extends], "no shape " .. s.extends)) end
    for k, v in pairs(s.fields or {}) do fields[k] = v end
    for k, v in pairs(s.optional or {}) do optional[k] = v end
  end
  take(shape)
  return fields, optional
end

-- The returns shape of call `name` (a method of sops.api.CALLS): its
-- endpoint's `returns`.
function M.of_call(name)
  local api = require "sops.api"
  local call = assert(api.CALLS[name], "no call " .. tostring(name))
  return api.BY_NAME[call.api].returns
end

-- Every problem with a shape, as strings (an empty list: none): kinds and
-- names that do not exist, keys a table shape does not take. `where` names
-- it in the messages.
function M.problems(shape, where, out)
  out = out or {}
  local function say(fmt, ...) out[#out + 1] = where .. ": " .. fmt:format(...) end
  if type(shape) == "string" then
    for _, alt in ipairs(M.alternatives(shape)) do
      if not M.KINDS[alt] and not N[alt] then say("no kind or shape named '%s'", alt) end
    end
    if shape:find("none", 1, true) and shape ~= "none" then say("'none' goes alone") end
    return out
  end
  if type(shape) ~= "table" then
    say("a shape is a string or a table, not a %s", type(shape))
    return out
  end
  local ALLOWED = {
    object = {kind = 1, fields = 1, optional = 1, closed = 1, extends = 1, doc = 1, envelope = 1},
    list = {kind = 1, items = 1, doc = 1, envelope = 1},
    map = {kind = 1, values = 1, keys = 1, doc = 1, envelope = 1},
  }
  local allowed = ALLOWED[shape.kind]
  if not allowed then
    if type(shape.kind) ~= "string" then
      say("a table shape's kind is object, list, map or a string shape, not %s", tostring(shape.kind))
      return out
    end
    M.problems(shape.kind, where, out)
    allowed = {kind = 1, doc = 1, envelope = 1}
  end
  for k in pairs(shape) do
    if not allowed[k] then say("a %s shape takes no '%s'", shape.kind, tostring(k)) end
  end
  if shape.kind == "object" then
    if shape.extends and not (N[shape.extends] and N[shape.extends].kind == "object") then
      say("extends '%s', which is no named object shape", tostring(shape.extends))
    end
    for name, f in pairs(shape.fields or {}) do M.problems(f, where .. "." .. name, out) end
    for name, when in pairs(shape.optional or {}) do
      local fields = M.object_fields(shape)
      if fields[name] == nil then say("optional '%s' is no field", name) end
      if type(when) ~= "string" or when == "" then say("optional '%s' should say when it is there", name) end
    end
  elseif shape.kind == "list" then
    if shape.items ~= nil then M.problems(shape.items, where .. "[]", out) end
  elseif shape.kind == "map" then
    M.problems(shape.values or "any", where .. ".*", out)
  end
  for name, f in pairs(shape.envelope or {}) do M.problems(f, where .. " (envelope " .. name .. ")", out) end
  return out
end

return M
