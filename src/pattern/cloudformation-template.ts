/** CloudFormation templates as check-pattern reads them: YAML or JSON, intrinsics in long form. */
import { parse, type Tags } from 'yaml';

const INTRINSICS = [
  'Ref',
  'Condition',
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

/** CloudFormation's short-form intrinsic tags, read as their long form ({"Fn::Sub": …}). */
export const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }),
    },
  ];
});

/** A CloudFormation template (YAML or JSON) as plain data, intrinsics in long form. */
export function parseTemplate(text: string): unknown {
  return parse(text, { customTags: CLOUDFORMATION_TAGS });
}
