/**
 * The one Lua script behind the Redis store. Redis runs a script atomically, so acquiring several
 * linked buckets (all or nothing), correcting usage and pausing a scope can never interleave with
 * another process's call. Numbers go back as strings: Redis truncates Lua floats to integers.
 *
 * Per bucket two keys are passed (state, aux): a hash for fixed/decay, a sorted-set log plus a sum
 * for sliding windows. Pause keys hold "until|reason".
 *
 * acquire: KEYS = pauseKeys..., (state, aux)...;
 *          ARGV = 'acquire', now, reserve, nPause, member, then per bucket: type, capacity, param, weight
 * correct: KEYS = state, aux; ARGV = 'correct', now, type, capacity, param, used, resetAt|'', member
 * pause:   KEYS = pauseKey;   ARGV = 'pause', now, until, reason
 * used:    KEYS = state, aux; ARGV = 'used', now, type, capacity, param
 *
 * Each caller passes its own clock reading, and a process delayed between reading its clock and the
 * script running arrives with a time older than what the bucket has already seen. Time in a bucket
 * never runs backwards: a stale reading is taken as the bucket's latest time, since the request is in
 * truth being decided after everything already recorded. Otherwise a stale time rewinds a decay
 * bucket's clock (the next caller drains the same interval twice), restarts a fixed window the bucket
 * has left, or logs a sliding-window entry that drops out of the window before its real send does.
 */
export const RATE_LIMIT_LUA = String.raw`
local EPS = 1e-9
local op = ARGV[1]
local caller_now = tonumber(ARGV[2])
local now = caller_now

-- The bucket's own time: the caller's reading, or the latest time the bucket has recorded if later.
local function bucket_clock(kind, state)
  local last
  if kind == 'fixed-window' then
    last = tonumber(redis.call('HGET', state, 't') or '')
  elseif kind == 'sliding-window' then
    local top = redis.call('ZRANGE', state, -1, -1, 'WITHSCORES')
    if #top == 2 then last = tonumber(top[2]) end
  else
    last = tonumber(redis.call('HGET', state, 'a') or '')
  end
  if last and last > caller_now then return last end
  return caller_now
end

local function ceilwait(ms)
  if ms < 1 then return 1 end
  return math.ceil(ms - EPS)
end

local function fixed_used(state, win)
  local start = math.floor(now / win) * win
  local s = tonumber(redis.call('HGET', state, 's') or '-1')
  if s ~= start then return 0, start end
  return tonumber(redis.call('HGET', state, 'u') or '0'), start
end

local function decay_level(state, rate)
  local level = tonumber(redis.call('HGET', state, 'l') or '0')
  local at = tonumber(redis.call('HGET', state, 'a') or tostring(now))
  if now > at then level = math.max(0, level - (now - at) * rate / 1000) end
  return level
end

local function member_weight(m)
  return tonumber(string.match(m, '|([^|]+)$'))
end

local function sliding_sum(log, aux, win)
  local cutoff = now - win
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
  local sum = tonumber(redis.call('GET', aux) or '0')
  if #old > 0 then
    for _, m in ipairs(old) do sum = sum - member_weight(m) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    if redis.call('ZCARD', log) == 0 then sum = 0 end
    redis.call('SET', aux, tostring(sum), 'PX', math.ceil(win) + 1000)
  end
  return sum
end

local function sliding_wait(log, win, excess)
  local freed = 0
  local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    freed = freed + member_weight(entries[i])
    if freed >= excess - EPS then return ceilwait(tonumber(entries[i + 1]) + win - now) end
  end
  return ceilwait(win)
end

-- Returns 0 when weight fits under cap now, else ms to wait (-1: never fits).
local function wait_for(kind, state, aux, cap, param, weight)
  if weight > cap + EPS then return -1 end
  if kind == 'fixed-window' then
    local used, start = fixed_used(state, param)
    if used + weight <= cap + EPS then return 0 end
    return ceilwait(start + param - now)
  elseif kind == 'sliding-window' then
    local excess = sliding_sum(state, aux, param) + weight - cap
    if excess <= EPS then return 0 end
    return sliding_wait(state, param, excess)
  else
    local excess = decay_level(state, param) + weight - cap
    if excess <= EPS then return 0 end
    return ceilwait(excess / param * 1000)
  end
end

local function add(kind, state, aux, cap, param, weight, member, at)
  if kind == 'fixed-window' then
    local used, start = fixed_used(state, param)
    redis.call('HSET', state, 's', tostring(start), 'u', tostring(used + weight), 't', tostring(now))
    redis.call('PEXPIRE', state, math.ceil(start + param - now) + 1000)
  elseif kind == 'sliding-window' then
    local sum = sliding_sum(state, aux, param)
    redis.call('ZADD', state, at, member .. '|' .. tostring(weight))
    redis.call('SET', aux, tostring(sum + weight), 'PX', math.ceil(param) + 1000)
    redis.call('PEXPIRE', state, math.ceil(param) + 1000)
  else
    local level = decay_level(state, param) + weight
    redis.call('HSET', state, 'l', tostring(level), 'a', tostring(now))
    redis.call('PEXPIRE', state, math.ceil(level / param * 1000) + 1000)
  end
end

local function used_now(kind, state, aux, param)
  if kind == 'fixed-window' then return (fixed_used(state, param)) end
  if kind == 'sliding-window' then return sliding_sum(state, aux, param) end
  return decay_level(state, param)
end

local function check_pauses(n)
  local best_until, best_reason, best_key = nil, nil, nil
  for i = 1, n do
    local v = redis.call('GET', KEYS[i])
    if v then
      local u = tonumber(string.match(v, '^([^|]+)'))
      if u > now and (best_until == nil or u > best_until) then
        best_until, best_reason, best_key = u, string.match(v, '^[^|]+|(.*)$'), KEYS[i]
      end
    end
  end
  return best_until, best_reason, best_key
end

if op == 'acquire' then
  local reserve, npause, member = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
  local pu, pr, pk = check_pauses(npause)
  if pu then return {0, tostring(pu - now), pk, tostring(pu), pr} end
  local nb = (#KEYS - npause) / 2
  local wait, blocked = 0, ''
  for b = 0, nb - 1 do
    local a = 6 + b * 4
    local state, aux = KEYS[npause + 1 + b * 2], KEYS[npause + 2 + b * 2]
    now = bucket_clock(ARGV[a], state)
    local w = wait_for(ARGV[a], state, aux, tonumber(ARGV[a + 1]) * (1 - reserve), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]))
    if w == -1 then return {0, 'inf', state} end
    if w > wait then wait, blocked = w, state end
  end
  if wait > 0 then return {0, tostring(wait), blocked} end
  for b = 0, nb - 1 do
    local a = 6 + b * 4
    now = bucket_clock(ARGV[a], KEYS[npause + 1 + b * 2])
    add(ARGV[a], KEYS[npause + 1 + b * 2], KEYS[npause + 2 + b * 2], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), member .. ':' .. b, now)
  end
  return {1}
elseif op == 'correct' then
  local kind, param, used = ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
  now = bucket_clock(kind, KEYS[1])
  local missing = used - used_now(kind, KEYS[1], KEYS[2], param)
  if missing <= 0 then return {1} end
  local at = now
  local reset = tonumber(ARGV[7])
  if kind == 'sliding-window' and reset and reset > now and reset <= now + param then at = reset - param end
  add(kind, KEYS[1], KEYS[2], tonumber(ARGV[4]), param, missing, ARGV[8], at)
  return {1}
elseif op == 'pause' then
  local untilms, reason = tonumber(ARGV[3]), ARGV[4]
  local v = redis.call('GET', KEYS[1])
  if v and tonumber(string.match(v, '^([^|]+)')) >= untilms then return {1} end
  if untilms > now then redis.call('SET', KEYS[1], tostring(untilms) .. '|' .. reason, 'PX', math.ceil(untilms - now)) end
  return {1}
elseif op == 'used' then
  now = bucket_clock(ARGV[3], KEYS[1])
  return {1, tostring(used_now(ARGV[3], KEYS[1], KEYS[2], tonumber(ARGV[5])))}
end
return redis.error_reply('unknown op ' .. tostring(op))
`;
