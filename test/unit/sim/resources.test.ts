import { addResources, containsResources, formatResources, subtractResources, toEndpointFormat, upgradeResource } from '../../../src/sim/model/resources';

describe('sim resources', () => {
  const cpus = (v: number) => upgradeResource({ name: 'cpus', type: 'SCALAR', scalar: { value: v } });
  it('adds, subtracts and checks containment of scalars and ranges', () => {
    const ports = upgradeResource({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } });
    const one = upgradeResource({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31005, end: 31005 }] } });
    const left = subtractResources([cpus(2), ports], [cpus(0.5), one]);
    expect(formatResources(left)).toBe('cpus:1.5; ports:[31000-31004, 31006-32000]');
    expect(containsResources(left, [cpus(2)])).toBe(false);
    expect(formatResources(addResources(left, [cpus(0.5), one]))).toBe('cpus:2; ports:[31000-32000]');
  });

  it('upgrades the legacy format and writes the endpoint format with role and reservation', () => {
    const r = upgradeResource({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'dev', reservation: { principal: 'ops' } });
    expect(r.reservations).toEqual([{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }]);
    expect(toEndpointFormat(r)).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'dev', reservation: { principal: 'ops' }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] });
    expect(toEndpointFormat(cpus(1)).role).toBe('*');
  });

  it('rejects malformed scalars', () => {
    expect(() => upgradeResource({ name: 'cpus', type: 'SCALAR' })).toThrow(/scalar/);
    expect(() => upgradeResource({ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } })).toThrow(/negative/);
  });
});
