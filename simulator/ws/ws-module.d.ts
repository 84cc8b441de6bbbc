// The part of the `ws` package's API the simulator uses (@types/ws is not installed).
declare module 'ws' {
  import type { IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';

  export class WebSocket {
    static readonly OPEN: number;
    constructor(url: string);
    ping(data?: Buffer): void;
    once(event: 'open' | 'pong', listener: () => void): this;
    readonly readyState: number;
    send(data: string): void;
    pong(data?: Buffer): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'ping', listener: (data: Buffer) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }

  export class WebSocketServer {
    constructor(options: { noServer: true; autoPong?: boolean });
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: WebSocket, req: IncomingMessage) => void): void;
    close(callback?: () => void): void;
  }
}
