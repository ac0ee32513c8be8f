// The two queries the demo asks that client/operations has no operation for: a page of messages with
// everything that changes after sending (edits, deletes, reactions, replies), and a room's members with
// its lastEventSeq, where following its event log starts. Both spread the shared fragments.
import { gql, type TypedDocumentNode } from '@urql/core';
import {
  MessageDetailsFragmentDoc,
  RoomMembersFragmentDoc,
  type MessageDetailsFragment,
  type RoomMembersFragment,
} from '../../client/generated/graphql.ts';

export const MessagePageDocument: TypedDocumentNode<
  {
    messages: {
      edges: { node: MessageDetailsFragment }[];
      pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
    };
  },
  { roomId: string; last: number; before?: string }
> = gql`
  query MessagePage($roomId: ID!, $last: Int, $before: String) {
    messages(roomId: $roomId, last: $last, before: $before) {
      edges {
        node {
          ...MessageDetails
        }
      }
      pageInfo {
        hasPreviousPage
        startCursor
      }
    }
  }
  ${MessageDetailsFragmentDoc}
`;

export const RoomMembersNowDocument: TypedDocumentNode<{ room: RoomMembersFragment }, { id: string }> = gql`
  query RoomMembersNow($id: ID!) {
    room(id: $id) {
      ...RoomMembers
    }
  }
  ${RoomMembersFragmentDoc}
`;
