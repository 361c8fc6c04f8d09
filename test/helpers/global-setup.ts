// placeholder: replaced by the Temporal dev-server launcher wiring
export default async function globalSetup(): Promise<void> {}
