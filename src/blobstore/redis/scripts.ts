import { createHash } from 'node:crypto';

/*
 * The Lua scripts of RedisBlobStore. A script runs alone on the server, which is what makes
 * "absent, then write" and "untouched, then delete" atomic. On a single server the store scripts
 * also take the three sweep keys (sweeps, seq, touched) first and record what they wrote or found
 * while a gc sweep is open; on a Redis Cluster a script may only touch keys of one slot, so they
 * run per slot without the sweep keys (ARGV[1] says how many sweep keys lead KEYS: 3 or 0).
 */

/** One script: its source and the SHA-1 EVALSHA names it by. */
export interface RedisScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): RedisScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Records hex keys in the touched set, with a new sequence, while a sweep is open (KEYS[1..3] are the sweep keys). */
const RECORD = `
local function record(members)
  if #members == 0 or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
  local seq = redis.call('INCR', KEYS[2])
  local args = {}
  for i = 1, #members do
    args[2 * i - 1] = seq
    args[2 * i] = members[i]
  end
  redis.call('ZADD', KEYS[3], unpack(args))
  -- The touched set lives no longer than the sweeps that read it.
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
  return 1
end
`;

/** The server's clock in milliseconds, for leases. */
const NOW = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** The length of the data in the blob record at key k (0 when malformed): its head and STRLEN suffice. */
const DATA_LENGTH = `
local function dataLength(k)
  local len = redis.call('STRLEN', k)
  local head = redis.call('GETRANGE', k, 0, 4)
  local n, scale = 0, 1
  for i = 1, 5 do
    local b = string.byte(head, i)
    if b == nil then return 0 end
    n = n + (b % 128) * scale
    if b < 128 then
      if b == 0 and i > 1 then return 0 end
      local offset = i + 16 * n
      if offset > len then return 0 end
      return len - offset
    end
    scale = scale * 128
  end
  return 0
end

-- Unlinks k; the data bytes it held (a value that is not a blob record is freed as 0 bytes).
local function remove(k)
  local t = redis.call('TYPE', k).ok
  if t == 'none' then return 0 end
  local bytes = 0
  if t == 'string' then bytes = dataLength(k) end
  redis.call('UNLINK', k)
  return bytes
end
`;

/** Keeps the sweeps set and the touched set alive until the latest lease ends. */
const EXPIRE_AT_LATEST = `
local function expireAtLatest()
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #top == 0 then
    redis.call('DEL', KEYS[1], KEYS[3])
    return
  end
  redis.call('PEXPIREAT', KEYS[1], top[2])
  redis.call('PEXPIREAT', KEYS[3], top[2])
end

-- Extends sweep ARGV[1]'s lease by ARGV[2] ms; false when the lease already ended.
local function renew(token, lease)
  local deadline = redis.call('ZSCORE', KEYS[1], token)
  local t = now()
  if not deadline or tonumber(deadline) < t then return false end
  redis.call('ZADD', KEYS[1], 'XX', t + tonumber(lease), token)
  expireAtLatest()
  return true
end
`;

/**
 * SET NX of every blob key to its record: per key 1 written, 0 present, 2 present but not a
 * string (the key holds another Redis type). ARGV[1] = number of leading sweep keys, then the
 * records in key order. Written and present keys are recorded while a sweep is open.
 */
export const STORE = script(
  'store',
  `${RECORD}
local s = tonumber(ARGV[1])
local out, seen = {}, {}
for i = s + 1, #KEYS do
  local k = KEYS[i]
  local r
  if redis.call('SET', k, ARGV[i - s + 1], 'NX') then r = 1
  elseif redis.call('TYPE', k).ok == 'string' then r = 0
  else r = 2 end
  out[i - s] = r
  if r ~= 2 then seen[#seen + 1] = string.sub(k, -32) end
end
if s == 3 then record(seen) end
return out
`,
);

/** Per blob key 1 present, 0 absent, 2 another Redis type; present keys recorded while a sweep is open. */
export const TOUCH = script(
  'touch',
  `${RECORD}
local s = tonumber(ARGV[1])
local out, seen = {}, {}
for i = s + 1, #KEYS do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t == 'string' then
    out[i - s] = 1
    seen[#seen + 1] = string.sub(KEYS[i], -32)
  elseif t == 'none' then out[i - s] = 0
  else out[i - s] = 2 end
end
if s == 3 then record(seen) end
return out
`,
);

/**
 * Sets root ARGV[1] = ARGV[2] in hash KEYS[4] iff blob KEYS[5] is present (single server, atomic):
 * 1 set, 0 absent, 2 another Redis type. The key is recorded while a sweep is open.
 */
export const SET_ROOT = script(
  'set-root',
  `${RECORD}
local t = redis.call('TYPE', KEYS[5]).ok
if t == 'none' then return 0 end
if t ~= 'string' then return 2 end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
record({ ARGV[2] })
return 1
`,
);

/**
 * Cluster: sets root ARGV[1] = ARGV[2] in hash KEYS[4] (same slot as the sweep keys) and records
 * the key while a sweep is open; returns 1 when recorded. The blob's presence is checked apart.
 */
export const SET_ROOT_RECORDED = script(
  'set-root-recorded',
  `${RECORD}
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return record({ ARGV[2] })
`,
);

/** Cluster: records the hex keys in ARGV while a sweep is open; 1 when recorded, 0 when no sweep is open. */
export const RECORD_KEYS = script(
  'record',
  `${RECORD}
return record(ARGV)
`,
);

/** Cluster: removes root ARGV[1] from hash KEYS[1] if it still names ARGV[2]. */
export const DELETE_ROOT_IF = script(
  'delete-root-if',
  `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`,
);

/** Deletes every key; the data bytes freed. */
export const DELETE = script(
  'delete',
  `${DATA_LENGTH}
local bytes = 0
for i = 1, #KEYS do bytes = bytes + remove(KEYS[i]) end
return bytes
`,
);

/**
 * Opens sweep ARGV[1] with a lease of ARGV[2] ms: { the current sequence, how many other sweeps
 * are open }. The touched set starts empty when no other sweep is open (one left by a dead gc is dropped).
 */
export const BEGIN = script(
  'begin',
  `${NOW}${EXPIRE_AT_LATEST}
local t = now()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. t)
local others = redis.call('ZCARD', KEYS[1])
if others == 0 then redis.call('DEL', KEYS[3]) end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[1])
expireAtLatest()
return { tonumber(redis.call('GET', KEYS[2]) or '0'), others }
`,
);

/** Renews sweep ARGV[1]'s lease by ARGV[2] ms: 1, or 0 when it had ended. */
export const RENEW = script(
  'renew',
  `${NOW}${EXPIRE_AT_LATEST}
if renew(ARGV[1], ARGV[2]) then return 1 end
return 0
`,
);

/** Closes sweep ARGV[1]; the touched set goes with the last open sweep. */
export const END = script(
  'end',
  `${NOW}${EXPIRE_AT_LATEST}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now())
expireAtLatest()
return 1
`,
);

/**
 * Renews sweep ARGV[1] (lease ARGV[2] ms) and returns { seq, keys recorded after ARGV[3] up to seq };
 * -2 when the lease had ended.
 */
export const TOUCHED_SINCE = script(
  'touched-since',
  `${NOW}${EXPIRE_AT_LATEST}
if not renew(ARGV[1], ARGV[2]) then return -2 end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local keys = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[3], seq)
return { seq, keys }
`,
);

/**
 * Single server: deletes blob keys KEYS[4..] iff nothing was recorded after sequence ARGV[3] and
 * sweep ARGV[1] still holds its lease (renewed by ARGV[2] ms): the data bytes freed, -1 when
 * something was recorded (nothing deleted), -2 when the lease had ended.
 */
export const DELETE_IF_UNTOUCHED = script(
  'delete-if-untouched',
  `${NOW}${EXPIRE_AT_LATEST}${DATA_LENGTH}
if not renew(ARGV[1], ARGV[2]) then return -2 end
if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[3]) then return -1 end
local bytes = 0
for i = 4, #KEYS do bytes = bytes + remove(KEYS[i]) end
return bytes
`,
);

/**
 * Cluster: registers the hex keys ARGV[3..] as about to be set aside by sweep ARGV[1] (renewed by
 * ARGV[2] ms) in hash KEYS[4] (key -> "token:ms"), so that only a dead sweep's blobs are ever put
 * back by another gc; 0, or -2 when the lease had ended.
 */
export const REGISTER_ASIDE = script(
  'register-aside',
  `${NOW}${EXPIRE_AT_LATEST}
if not renew(ARGV[1], ARGV[2]) then return -2 end
local entry = ARGV[1] .. ':' .. now()
for i = 3, #ARGV do redis.call('HSET', KEYS[4], ARGV[i], entry) end
return 0
`,
);

/**
 * Cluster: renews sweep ARGV[1] (ARGV[2] ms) and answers 0 when nothing was recorded after
 * ARGV[3] (then unregisters the hex keys ARGV[4..] from hash KEYS[4]: their deletion is decided),
 * -1 when something was, -2 when the lease had ended.
 */
export const CHECK_UNTOUCHED = script(
  'check-untouched',
  `${NOW}${EXPIRE_AT_LATEST}
if not renew(ARGV[1], ARGV[2]) then return -2 end
if tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[3]) then return -1 end
for i = 4, #ARGV do redis.call('HDEL', KEYS[4], ARGV[i]) end
return 0
`,
);

/** Cluster: unregisters the hex keys ARGV[2..] from hash KEYS[1] where sweep ARGV[1] registered them. */
export const UNREGISTER_ASIDE = script(
  'unregister-aside',
  `
local prefix = ARGV[1] .. ':'
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and string.sub(v, 1, #prefix) == prefix then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 0
`,
);

/**
 * Cluster: the hex keys in hash KEYS[2] registered by sweeps no longer open in KEYS[1] (to be put
 * back); with ARGV[1] = 'forget', also drops those registered more than ARGV[2] ms ago.
 */
export const DEAD_ASIDE = script(
  'dead-aside',
  `${NOW}
local t = now()
local out = {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local key, v = all[i], all[i + 1]
  local sep = string.find(v, ':', 1, true)
  local token, at = string.sub(v, 1, sep - 1), tonumber(string.sub(v, sep + 1))
  local deadline = redis.call('ZSCORE', KEYS[1], token)
  if not deadline or tonumber(deadline) < t then
    out[#out + 1] = key
    if ARGV[1] == 'forget' and t - at > tonumber(ARGV[2]) then redis.call('HDEL', KEYS[2], key) end
  end
end
return out
`,
);

/** Cluster, per slot: sets blobs aside, KEYS = blob, tombstone, blob, tombstone...; how many were present. */
export const SET_ASIDE = script(
  'set-aside',
  `
local n = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    n = n + 1
  end
end
return n
`,
);

/** Cluster, per slot: puts set-aside blobs back (KEYS as for SET_ASIDE); a blob written again meanwhile wins. */
export const RESTORE = script(
  'restore',
  `
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('UNLINK', KEYS[i + 1])
    else redis.call('RENAME', KEYS[i + 1], KEYS[i]) end
  end
end
return 1
`,
);
