// `aip connect --print-config CLIENT`: the entry each MCP client's configuration file takes to run
// `aip connect` as a stdio server — the node binary and the `aip` entry point as absolute paths
// (clients start servers without a shell or the user's PATH), the arguments given, and the
// environment (`AIP_HOME`, absolute). Printed as JSON, ready to paste or merge.

export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'inspector'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** How a client starts the bridge. */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** A client's configuration snippet, and where it goes. */
export interface ClientConfig {
  snippet: Record<string, unknown>;
  where: string;
}

/**
 * The snippet for `client`, naming the server `name`.
 *
 * @example
 * ```ts
 * clientConfig('vscode', 'aip', { command: '/usr/bin/node', args: ['/opt/aip/dist/main.js', 'connect', url], env: {} });
 * // { snippet: { servers: { aip: { type: 'stdio', command: '/usr/bin/node', args: [...], env: {} } } }, where: '.vscode/mcp.json ...' }
 * ```
 */
export function clientConfig(client: ClientName, name: string, launch: Launch): ClientConfig {
  const server = { command: launch.command, args: launch.args, env: launch.env };
  switch (client) {
    case 'claude-desktop':
      return {
        snippet: { mcpServers: { [name]: server } },
        where:
          'claude_desktop_config.json (Settings > Developer > Edit Config): ~/Library/Application Support/Claude/ on macOS, %APPDATA%\\Claude\\ on Windows; restart Claude Desktop after editing',
      };
    case 'claude-code':
      return {
        snippet: { mcpServers: { [name]: { type: 'stdio', ...server } } },
        where: `.mcp.json at the project root, or: claude mcp add-json ${name} '<the object under mcpServers.${name}>'`,
      };
    case 'cursor':
      return {
        snippet: { mcpServers: { [name]: server } },
        where: '~/.cursor/mcp.json (every project) or .cursor/mcp.json (one project)',
      };
    case 'vscode':
      return {
        snippet: { servers: { [name]: { type: 'stdio', ...server } } },
        where: '.vscode/mcp.json in the workspace, or the file "MCP: Open User Configuration" opens',
      };
    case 'inspector':
      return {
        snippet: { mcpServers: { [name]: { type: 'stdio', ...server } } },
        where: `a file for: npx @modelcontextprotocol/inspector --config FILE --server ${name}`,
      };
  }
}
