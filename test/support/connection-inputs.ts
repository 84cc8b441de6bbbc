/** Recognisable fake credentials: long and unique so a leak anywhere is found by a plain search. */
export const SECRETS = {
  apiKey: 'KEYkeyKEYkey-0123456789-LEAKCHECK-APIKEY',
  apiSecret: 'SECRETsecret-0123456789-LEAKCHECK-APISECRET',
  passphrase: 'PASSPHRASE-LEAKCHECK-0123',
} as const;

export function liveBinance(name = 'Binance main'): Record<string, unknown> {
  return {
    name,
    exchange: 'binance',
    marketTypes: ['spot', 'margin'],
    mode: 'live',
    apiKey: SECRETS.apiKey,
    apiSecret: SECRETS.apiSecret,
  };
}

export function liveOkx(name = 'OKX main'): Record<string, unknown> {
  return { ...liveBinance(name), exchange: 'okx', marketTypes: ['spot', 'swap'], passphrase: SECRETS.passphrase };
}

export function paperBybit(name = 'Bybit paper'): Record<string, unknown> {
  return { name, exchange: 'bybit', marketTypes: ['spot'], mode: 'paper' };
}
