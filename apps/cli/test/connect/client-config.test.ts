import { describe, expect, it } from 'vitest';
import { CLIENTS, clientConfig } from '../../src/connect/client-config.js';

const launch = {
  command: '/usr/bin/node',
  args: ['/opt/aip/dist/main.js', 'connect', 'https://mcp.example.com/mcp'],
  env: { AIP_HOME: '/home/me/.aip' },
};

describe('client configuration entries', () => {
  it('puts the same launch where each client looks for its servers', () => {
    const shapes = Object.fromEntries(CLIENTS.map((client) => [client, clientConfig(client, 'aip', launch).snippet]));
    const stdio = { type: 'stdio', ...launch };
    expect(shapes).toEqual({
      'claude-desktop': { mcpServers: { aip: launch } },
      'claude-code': { mcpServers: { aip: stdio } },
      cursor: { mcpServers: { aip: launch } },
      vscode: { servers: { aip: stdio } },
      inspector: { mcpServers: { aip: stdio } },
    });
    expect(clientConfig('claude-code', 'tools', launch).where).toContain("claude mcp add-json tools '");
  });
});
